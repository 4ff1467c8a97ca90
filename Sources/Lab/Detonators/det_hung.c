// SPDX-License-Identifier: GPL-2.0
// Hung task: a kernel thread sleeps uninterruptibly forever. khungtaskd reports
// "INFO: task det_hung:PID blocked for more than N seconds." (kernel/hung_task.c
// check_hung_task) and panics with kernel.hung_task_panic=1.
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static noinline void det_hung_fn(void)
{
	pr_info("coroner: det_hung_fn sleeps uninterruptibly\n");
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static int det_hung_thread(void *unused)
{
	det_hung_fn();
	return 0;
}

static int __init det_hung_init(void)
{
	kthread_run(det_hung_thread, NULL, "det_hung");
	return 0;
}

module_init(det_hung_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: hung task");
