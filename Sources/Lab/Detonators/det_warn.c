// SPDX-License-Identifier: GPL-2.0
// WARN(): prints "WARNING: CPU: ..." (kernel/panic.c __warn); with kernel.panic_on_warn=1
// __warn() then panics with "panic_on_warn set".
#include <linux/kthread.h>
#include <linux/module.h>

static noinline void det_warn_fn(void)
{
	WARN(1, "coroner: det_warn_fn warns\n");
}

static int det_warn_thread(void *unused)
{
	det_warn_fn();
	return 0;
}

static int __init det_warn_init(void)
{
	kthread_run(det_warn_thread, NULL, "det_warn");
	return 0;
}

module_init(det_warn_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: WARN with panic_on_warn");
