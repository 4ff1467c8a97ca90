// SPDX-License-Identifier: GPL-2.0
// BUG(): the invalid-opcode trap (ud2) that prints "kernel BUG at FILE:LINE!"
// (lib/bug.c report_bug) and kills the thread; panic_on_oops turns it into a panic.
#include <linux/kthread.h>
#include <linux/module.h>

static noinline void det_bug_fn(void)
{
	pr_info("coroner: det_bug_fn calls BUG()\n");
	BUG();
}

static int det_bug_thread(void *unused)
{
	det_bug_fn();
	return 0;
}

static int __init det_bug_init(void)
{
	kthread_run(det_bug_thread, NULL, "det_bug");
	return 0;
}

module_init(det_bug_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: BUG()");
