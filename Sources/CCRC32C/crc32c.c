// CRC-32C, reflected polynomial 0x82F63B78. See include/CCRC32C.h.
#include "CCRC32C.h"
#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u

// tables[k][b]: the register after byte b followed by k zero bytes (slicing-by-8).
static uint32_t tables[8][256];

static void build_tables(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t crc = b;
        for (int i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
        tables[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t crc = tables[0][b];
        for (int k = 1; k < 8; k++) {
            crc = tables[0][crc & 0xFF] ^ (crc >> 8);
            tables[k][b] = crc;
        }
    }
}

static void ensure_tables(void) {
    // Built on first use, not at start-up: most runs never need them.
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_tables);
}

uint32_t koopack_crc32c_update_portable(uint32_t crc, const void *bytes, size_t count) {
    ensure_tables();
    const unsigned char *p = bytes;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        word = __builtin_bswap64(word);
#endif
        uint32_t low = (uint32_t)word ^ crc, high = (uint32_t)(word >> 32);
        crc = tables[7][low & 0xFF] ^ tables[6][(low >> 8) & 0xFF] ^ tables[5][(low >> 16) & 0xFF]
            ^ tables[4][low >> 24] ^ tables[3][high & 0xFF] ^ tables[2][(high >> 8) & 0xFF]
            ^ tables[1][(high >> 16) & 0xFF] ^ tables[0][high >> 24];
        p += 8;
        count -= 8;
    }
    while (count--) crc = tables[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2")))
static uint32_t update_sse42(uint32_t crc, const unsigned char *p, size_t count) {
    uint64_t crc64 = crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc64 = __builtin_ia32_crc32di(crc64, word);
        p += 8;
        count -= 8;
    }
    crc = (uint32_t)crc64;
    while (count--) crc = __builtin_ia32_crc32qi(crc, *p++);
    return crc;
}

static int has_sse42;

static void detect_sse42(void) {
    unsigned a, b, c, d;
    has_sse42 = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}

int koopack_crc32c_hardware(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, detect_sse42);
    return has_sse42;
}

uint32_t koopack_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    if (koopack_crc32c_hardware()) return update_sse42(crc, bytes, count);
    return koopack_crc32c_update_portable(crc, bytes, count);
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

int koopack_crc32c_hardware(void) { return 1; }

uint32_t koopack_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = __crc32cd(crc, word);
        p += 8;
        count -= 8;
    }
    while (count--) crc = __crc32cb(crc, *p++);
    return crc;
}

#else

int koopack_crc32c_hardware(void) { return 0; }

uint32_t koopack_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    return koopack_crc32c_update_portable(crc, bytes, count);
}

#endif
