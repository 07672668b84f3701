/* push_volcengine_rtc.c - fuzz target: a push body for the volcengine_rtc adapter through
 * ah_push_prepare (the first byte picks the overrides; fuzz_push). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_push(&ah_adapter_volcengine_rtc, data, size);
    return 0;
}
