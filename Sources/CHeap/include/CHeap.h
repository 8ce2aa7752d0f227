// The C allocator's tuning, which Swift cannot reach: glibc's mallopt lives in <malloc.h>,
// which the Glibc module does not include.
#ifndef KOOPACK_CHEAP_H
#define KOOPACK_CHEAP_H

/// Makes every malloc heap (the main one and each thread's) grow by at least `bytes` beyond
/// what an allocation needs (glibc's M_TOP_PAD). Returns 1 when the allocator took it, 0 when
/// it did not or is not glibc's.
int koopack_heap_growth_pad(int bytes);

#endif
