// CRC-32C (Castagnoli) over a buffer, with the processor's crc32 instruction where it has one.
// Swift has no way to emit SSE4.2's crc32 or ARMv8's crc32c instructions, so this small C
// target does it; DiskImage's CRC32C enum is the Swift interface.
#ifndef KOOPACK_CCRC32C_H
#define KOOPACK_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Continues a CRC-32C: `crc` is the running register (start at 0xFFFFFFFF, finish with ~).
/// Uses the crc32 instruction when the processor has one, eight table lookups per 8 bytes
/// otherwise.
uint32_t koopack_crc32c_update(uint32_t crc, const void *bytes, size_t count);

/// The same, always through the tables (slicing-by-8), for processors without the
/// instruction and for tests that hold the two paths to the same answers.
uint32_t koopack_crc32c_update_portable(uint32_t crc, const void *bytes, size_t count);

/// Whether `koopack_crc32c_update` uses the processor's instruction.
int koopack_crc32c_hardware(void);

#endif
