/* A small program shaped like kernel code: noinline functions, inline chains across a
 * header, a cold path GCC splits into a .cold part, a static function whose name
 * repeats in another file, and a noreturn call at the end of a function. */
#include <stdlib.h>
#include "det_chain.h"

volatile int det_sink;

static int det_step(int value);

__attribute__((noinline, cold)) static void det_complain(int value)
{
	det_sink = value;
	abort();
}

static inline __attribute__((always_inline)) int det_check(int value)
{
	if (__builtin_expect(value == 12345, 0))
		det_complain(value);
	return det_scale(value);
}

__attribute__((noinline)) int det_walk(int count)
{
	int total = 0;
	for (int i = 0; i < count; i++) {
		total += det_check(i + det_sink);
		if (__builtin_expect(total < -100000, 0)) {
			det_sink = total;
			det_sink += det_step(total);
			abort();
		}
	}
	return total;
}

__attribute__((noinline)) static int det_step(int value)
{
	return det_scale(value) + det_clamp(value, 7);
}

__attribute__((noinline)) void det_panic(const char *why)
{
	det_sink = why[0];
	abort();
}

extern int det_other(int value);

int main(int argc, char **argv)
{
	int total = det_walk(argc + 3);
	total += det_step(total);
	total += det_other(total);
	if (argc > 5)
		det_panic(argv[1]);
	return total & 1;
}
