/* Shared by the fuzz harnesses: each defines LLVMFuzzerTestOneInput, and
 * runs under libFuzzer (make fuzz) or under replay.c (make check). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "world/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The world the harnesses check against: $SOLR_FUZZ_WORLD, or the
 * generated build/world; loaded once.  Exits when it cannot load. */
struct solr_world *fuzz_world(void);

/* The pinned time of the generated world, 2026-03-02T10:15:00Z. */
#define FUZZ_AT 1772446500

#endif
