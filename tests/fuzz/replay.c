/* replay.c - runs a fuzz target without libFuzzer: calls
 * LLVMFuzzerTestOneInput once with the contents of each file named on the
 * command line, so that `make test` replays the corpora with gcc's
 * ASan+UBSan build. Exits 1 when a file cannot be read. */
#include "fuzz.h"

#include "util/alloc.h"

#include <stdio.h>

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t size = 0;
    size_t cap = 0;
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "replay: could not open \"%s\"\n", path);
        return 1;
    }
    do {
        if (size == cap) {
            cap = cap == 0 ? 4096 : cap * 2;
            data = ah_xrealloc(data, cap);
        }
        n = fread(data + size, 1, cap - size, f);
        size += n;
    } while (n > 0);
    fclose(f);
    (void)LLVMFuzzerTestOneInput(data, size);
    ah_free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int i;
    int bad = 0;

    for (i = 1; i < argc; i++)
        bad |= replay(argv[i]);
    return bad;
}
