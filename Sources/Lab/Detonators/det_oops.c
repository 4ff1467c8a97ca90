// SPDX-License-Identifier: GPL-2.0
// Oops: a NULL pointer dereference in a kernel thread named det_oops.
// With kernel.panic_on_oops=1 the oops becomes a panic (kernel/panic.c oops_exit path).
#include <linux/kthread.h>
#include <linux/module.h>

static int det_oops_fn(void *unused)
{
	int *volatile victim = NULL;

	pr_info("coroner: det_oops_fn dereferences NULL\n");
	*victim = 0xdead;
	return 0;
}

static int __init det_oops_init(void)
{
	kthread_run(det_oops_fn, NULL, "det_oops");
	return 0;
}

module_init(det_oops_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coroner crash lab: NULL pointer dereference");
