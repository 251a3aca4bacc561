#ifndef PLATFLOW_SHA256_HARDWARE_H
#define PLATFLOW_SHA256_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this processor has the x86 SHA extensions (and the SSSE3 and SSE4.1 the rounds need), else 0.
int platflow_sha256_hardware_available(void);

/// SHA-256's compression of `blocks` consecutive 64-byte blocks at `data` into `state` (h0...h7), with the x86
/// SHA instructions. Call only when platflow_sha256_hardware_available() returned 1.
void platflow_sha256_hardware_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
