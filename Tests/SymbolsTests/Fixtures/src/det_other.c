/* A second unit: its own static det_step (a name kallsyms would print twice). */
#include "det_chain.h"

__attribute__((noinline)) static int det_step(int value)
{
	return det_scale(value - 1) * 2;
}

int det_other(int value)
{
	return det_step(value) + det_clamp(value, 3);
}
