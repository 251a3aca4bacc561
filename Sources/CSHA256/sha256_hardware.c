// SHA-256 compression with the x86 SHA extensions (SHA-NI). Swift cannot name these instructions, so this one
// function is C; the hashing API stays in Swift (PlatJobs' SHA256), which calls it when the processor has them.
//
// The state lives in two registers as the instructions want it: ABEF (A in the highest lane) and CDGH. Each
// sha256rnds2 does two rounds and returns the new ABEF; the old ABEF is then the new CDGH, so the two registers
// swap roles every two rounds. The message schedule is kept four words to a register: for the group of words
// t..t+3, sha256msg1 adds sigma0(w[t-15]) to w[t-16], alignr supplies w[t-7], sha256msg2 adds sigma1(w[t-2]).
#include "sha256_hardware.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int platflow_sha256_hardware_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t round_constants[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define TARGET __attribute__((target("sha,ssse3,sse4.1")))

// Four rounds: the group's words plus their constants, two rounds from the low half, two from the high.
TARGET static inline void four_rounds(__m128i *abef, __m128i *cdgh, __m128i words, int group) {
    __m128i wk = _mm_add_epi32(words, _mm_load_si128((const __m128i *)&round_constants[group * 4]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
    wk = _mm_shuffle_epi32(wk, 0x0E);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, wk);
}

TARGET void platflow_sha256_hardware_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian words: reverse the bytes of each 32-bit lane.
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);   // lanes A B C D, low to high
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);   // lanes E F G H
    __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);                 // lanes B A D C
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);                 // lanes H G F E
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);                // lanes F E B A
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);             // lanes H G D C

    while (blocks--) {
        const __m128i abef_before = abef, cdgh_before = cdgh;
        __m128i w[4];
        for (int i = 0; i < 4; i++) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), byteswap);
            four_rounds(&abef, &cdgh, w[i], i);
        }
        // Groups 4..15: w[g % 4] holds the group four back; it is replaced by the new group in place.
        for (int g = 4; g < 16; g++) {
            __m128i back4 = w[g & 3], back3 = w[(g + 1) & 3], back2 = w[(g + 2) & 3], back1 = w[(g + 3) & 3];
            __m128i next = _mm_sha256msg1_epu32(back4, back3);
            next = _mm_add_epi32(next, _mm_alignr_epi8(back1, back2, 4));
            next = _mm_sha256msg2_epu32(next, back1);
            w[g & 3] = next;
            four_rounds(&abef, &cdgh, next, g);
        }
        abef = _mm_add_epi32(abef, abef_before);
        cdgh = _mm_add_epi32(cdgh, cdgh_before);
        data += 64;
    }

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);                 // lanes A B E F
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);                 // lanes G H C D
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));   // A B C D
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));      // E F G H
}

#else

int platflow_sha256_hardware_available(void) { return 0; }

void platflow_sha256_hardware_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}

#endif
