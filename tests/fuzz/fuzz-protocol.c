/* PLACEHOLDER fuzz target, replaced before commit */
#include "config.h"
#include <stdint.h>
#include <stddef.h>
#include "avanue.h"
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) { return 0; }
