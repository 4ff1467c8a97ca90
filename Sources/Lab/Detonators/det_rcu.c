// SPDX-License-Identifier: GPL-2.0
// RCU stall: a kernel thread stays in an RCU read-side critical section with preemption
// disabled, so the grace period never ends and the RCU CPU stall detector reports it
// (kernel/rcu/tree_stall.h); sysctl.kernel.panic_on_rcu_stall=1 makes it a panic.
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

static noinline void det_rcu_stall_fn(void)
{
	pr_info("coroner: det_rcu_stall_fn holds the RCU read lock\n");
	rcu_read_lock();
	preempt_disable();
	for (;;)
		cpu_relax();
}

static int det_rcu_thread(void *unused)
{
	det_rcu_stall_fn();
	return 0;
}

static int __init det_rcu_init(void)
{
	kthread_run(det_rcu_thread, NULL, "det_rcu");
	return 0;
}

module_init(det_rcu_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: RCU stall");
