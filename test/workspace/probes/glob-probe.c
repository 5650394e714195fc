/*
 * The oracle of test/workspace/glob.test.ts: glibc's own fnmatch(3) and glob(3), called the way nginx calls
 * glob(3) (src/os/unix/ngx_files.c, ngx_open_glob: no flags) and the way glob(3) calls fnmatch(3) for each
 * directory entry (FNM_PERIOD). Like nginx, it never calls setlocale(): the C locale.
 *
 *   glob-probe fnmatch   stdin: pattern NUL name NUL ...   stdout: one '1' (match) or '0' per pair
 *   glob-probe glob      stdin: pattern NUL ...            stdout: per pattern, each path NUL, then one
 *                                                           more NUL (an empty path ends the list)
 */
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads one NUL-terminated field of stdin into a growing buffer; returns 0 at the end of the input. */
static int read_field(char **buf, size_t *cap) {
    size_t len = 0;
    int c;
    while ((c = getchar()) != EOF) {
        if (len + 1 >= *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *buf = realloc(*buf, *cap);
            if (!*buf) exit(3);
        }
        if (c == 0) {
            (*buf)[len] = 0;
            return 1;
        }
        (*buf)[len++] = (char) c;
    }
    return 0;
}

int main(int argc, char **argv) {
    char *a = NULL, *b = NULL;
    size_t acap = 0, bcap = 0;
    if (argc != 2) return 2;
    if (strcmp(argv[1], "fnmatch") == 0) {
        while (read_field(&a, &acap) && read_field(&b, &bcap)) putchar(fnmatch(a, b, FNM_PERIOD) == 0 ? '1' : '0');
        return 0;
    }
    if (strcmp(argv[1], "glob") == 0) {
        while (read_field(&a, &acap)) {
            glob_t g;
            memset(&g, 0, sizeof g);
            if (glob(a, 0, NULL, &g) == 0)
                for (size_t i = 0; i < g.gl_pathc; i++) fwrite(g.gl_pathv[i], 1, strlen(g.gl_pathv[i]) + 1, stdout);
            putchar(0);
            globfree(&g);
        }
        return 0;
    }
    return 2;
}
