// SPDX-License-Identifier: GPL-2.0
// Hard lockup: a kernel thread spins with interrupts disabled, so its CPU's watchdog
// hrtimer stops. Only the hard-lockup detector sees it: the NMI watchdog
// (kernel/watchdog_perf.c) needs a PMU counter, which QEMU TCG lacks; the buddy detector
// (kernel/watchdog_buddy.c, on the lab's 6.12-buddy kernel) has another CPU notice that
// this one's hrtimer interrupt count stands still.
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/module.h>

static noinline void det_hard_spin_fn(void)
{
	pr_info("coroner: det_hard_spin_fn spins with interrupts disabled\n");
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static int det_hard_thread(void *unused)
{
	det_hard_spin_fn();
	return 0;
}

static int __init det_hard_init(void)
{
	kthread_run(det_hard_thread, NULL, "det_hard");
	return 0;
}

module_init(det_hard_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: hard lockup");
