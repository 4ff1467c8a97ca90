// SPDX-License-Identifier: GPL-2.0
// Deadlock: two kernel threads take two mutexes in opposite order, sleeping
// between the first lock and the second so that each holds the lock the other
// wants. Both wait in TASK_UNINTERRUPTIBLE (mutex_lock(), kernel/locking/mutex.c);
// khungtaskd reports them (kernel/hung_task.c check_hung_task) and panics with
// kernel.hung_task_panic=1. The mutexes are globals of the module, so kallsyms
// (CONFIG_KALLSYMS_ALL keeps a module's data symbols) names them.
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(det_lock_a);
static DEFINE_MUTEX(det_lock_b);

// One function for both threads, so that the hung-task report names the same
// frame whichever thread khungtaskd finds first.
static noinline void det_deadlock_fn(struct mutex *first, struct mutex *second)
{
	mutex_lock(first);
	pr_info("coroner: %s holds its first lock\n", current->comm);
	msleep(500);
	mutex_lock(second);
	mutex_unlock(second);
	mutex_unlock(first);
}

static int det_deadlock_ab(void *unused)
{
	det_deadlock_fn(&det_lock_a, &det_lock_b);
	return 0;
}

static int det_deadlock_ba(void *unused)
{
	det_deadlock_fn(&det_lock_b, &det_lock_a);
	return 0;
}

static int __init det_deadlock_init(void)
{
	kthread_run(det_deadlock_ab, NULL, "det_deadlock_ab");
	kthread_run(det_deadlock_ba, NULL, "det_deadlock_ba");
	return 0;
}

module_init(det_deadlock_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: ABBA mutex deadlock");
