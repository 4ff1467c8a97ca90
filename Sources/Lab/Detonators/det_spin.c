// SPDX-License-Identifier: GPL-2.0
// Soft lockup: a kernel thread spins with preemption disabled, so the per-CPU watchdog
// thread never runs and the watchdog hrtimer reports "BUG: soft lockup"
// (kernel/watchdog.c watchdog_timer_fn); kernel.softlockup_panic=1 makes it a panic.
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>

static noinline void det_spin_fn(void)
{
	pr_info("coroner: det_spin_fn spins with preemption disabled\n");
	preempt_disable();
	for (;;)
		cpu_relax();
}

static int det_spin_thread(void *unused)
{
	det_spin_fn();
	return 0;
}

static int __init det_spin_init(void)
{
	kthread_run(det_spin_thread, NULL, "det_spin");
	return 0;
}

module_init(det_spin_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: soft lockup");
