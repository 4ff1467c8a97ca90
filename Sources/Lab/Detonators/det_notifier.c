// SPDX-License-Identifier: GPL-2.0
// A custom panic handler: the module registers on panic_notifier_list, whose callback
// prints its own line, then the module panics. With kdump armed, the notifiers run
// before the capture kernel only with crash_kexec_post_notifiers (kernel/panic.c panic).
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/notifier.h>
#if __has_include(<linux/panic_notifier.h>)
#include <linux/panic_notifier.h> /* 5.14 and later; before, linux/kernel.h */
#endif

static int det_notifier_fn(struct notifier_block *nb, unsigned long event, void *msg)
{
	pr_emerg("coroner: det_notifier_fn saw the panic: %s\n", (const char *)msg);
	return NOTIFY_DONE;
}

static struct notifier_block det_notifier_block = {
	.notifier_call = det_notifier_fn,
};

static noinline void det_panic_fn(void)
{
	panic("coroner: det_panic_fn panics");
}

static int det_notifier_thread(void *unused)
{
	det_panic_fn();
	return 0;
}

static int __init det_notifier_init(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &det_notifier_block);
	kthread_run(det_notifier_thread, NULL, "det_notifier");
	return 0;
}

module_init(det_notifier_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: panic notifier");
