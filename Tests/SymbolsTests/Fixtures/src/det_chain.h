/* Helpers inlined into det_chain.c from a header, so inline frames name another file. */
#ifndef DET_CHAIN_H
#define DET_CHAIN_H

extern volatile int det_sink;

static inline __attribute__((always_inline)) int det_clamp(int value, int limit)
{
	if (value > limit)
		det_sink += value;
	return value > limit ? limit : value;
}

static inline __attribute__((always_inline)) int det_scale(int value)
{
	int scaled = det_clamp(value * 3, 1000);
	det_sink ^= scaled;
	return scaled + 1;
}

#endif
