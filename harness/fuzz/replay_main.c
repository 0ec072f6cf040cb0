/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: the replay main for fuzz targets in ordinary (non-fuzzing) builds.
 *
 * A fuzz target is one source file exposing LLVMFuzzerTestOneInput (and, optionally,
 * LLVMFuzzerInitialize). With libFuzzer or AFL++ the engine supplies main(); in every other
 * build txp_add_fuzzer() links this file instead, and CTest runs
 *
 *     fuzz_<name> corpus/<name> corpus/regress/<name>
 *
 * so every seed and every past crash reproducer is executed on each test run, under whatever
 * sanitizers the build has. That turns fuzzer findings into permanent regression tests (the
 * SQLite fuzzcheck idea).
 *
 * Behaviour:
 *  - Each argument is a file or a directory. Directories are walked recursively; entries are
 *    sorted by name (strcmp) so every run executes the same inputs in the same order.
 *  - Names starting with '.' (.gitkeep), README / README.md and *.txt (the signature notes ci/fuzz
 *    writes beside reproducers) are documentation, not inputs, and are skipped.
 *  - A missing argument counts zero inputs: corpus/regress/<name>/ may legitimately be empty or
 *    absent. The count for each argument is printed.
 *  - Every input is copied into a heap buffer of exactly its size, so a target that reads past
 *    the end is caught by ASan (libFuzzer does the same).
 *  - If zero inputs ran in total the run fails: a replay that runs nothing must not pass.
 *  - If a target crashes (abort, trap, a sanitizer report ending in abort), the name of the
 *    input being run is printed first, where no sanitizer already owns the signal.
 *
 * Exit status: 0 when at least one input ran and none crashed, 1 when no input ran, 2 on a
 * usage or I/O error (an unreadable corpus file is an error, not a skip).
 *
 * Options: -v prints each input's path before running it.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fuzz target's entry points (libFuzzer interface). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/** Replay statistics and options. */
struct replay {
    unsigned long count; /**< inputs run for the current argument */
    int verbose;         /**< print each path before running it */
    int failed;          /**< an I/O error occurred */
};

/*
 * The path of the input being run, for the crash message. Signal handlers can only reach
 * static storage; this is harness code, not a component library (style B7 covers those).
 */
static char replay_current[4096];

static void
replay_on_signal(int sig)
{
    static const char msg[] = "replay: crashed while running input: ";
    ssize_t w;

    w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    w = write(STDERR_FILENO, replay_current, strlen(replay_current));
    w = write(STDERR_FILENO, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Install the crash reporter only where nobody (ASan, UBSan) has installed a handler yet. */
static void
replay_install_handlers(void)
{
    static const int sigs[] = {SIGABRT, SIGILL, SIGSEGV, SIGBUS, SIGFPE};
    size_t i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction old;
        struct sigaction sa;

        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = replay_on_signal;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(sigs[i], &sa, NULL);
    }
}

static int
replay_skip_name(const char *name)
{
    size_t n = strlen(name);

    /* *.txt beside a reproducer is its signature note (ci/fuzz triage), not an input */
    return name[0] == '.' || strcmp(name, "README") == 0 || strcmp(name, "README.md") == 0 ||
           (n > 4 && strcmp(name + n - 4, ".txt") == 0);
}

static int
replay_cmp_names(const void *a, const void *b)
{
    const char *const *x = a;
    const char *const *y = b;

    return strcmp(*x, *y);
}

static void
replay_file(struct replay *r, const char *path, off_t size_hint)
{
    FILE *f;
    uint8_t *buf;
    size_t size;
    size_t got;

    if (size_hint < 0) {
        fprintf(stderr, "replay: %s: bad size\n", path);
        r->failed = 1;
        return;
    }
    size = (size_t)size_hint;
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        r->failed = 1;
        return;
    }
    /* malloc(0) may return NULL; one byte keeps the pointer valid and is never read. */
    buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        fprintf(stderr, "replay: %s: out of memory (%zu bytes)\n", path, size);
        fclose(f);
        r->failed = 1;
        return;
    }
    got = size > 0 ? fread(buf, 1, size, f) : 0;
    if (got != size || ferror(f)) {
        fprintf(stderr, "replay: %s: short read (%zu of %zu bytes)\n", path, got, size);
        free(buf);
        fclose(f);
        r->failed = 1;
        return;
    }
    fclose(f);

    snprintf(replay_current, sizeof(replay_current), "%s", path);
    if (r->verbose)
        fprintf(stderr, "replay: running %s (%zu bytes)\n", path, size);
    (void)LLVMFuzzerTestOneInput(buf, size);
    replay_current[0] = '\0';
    free(buf);
    r->count++;
}

static void replay_path(struct replay *r, const char *path, int top);

static void
replay_dir(struct replay *r, const char *path)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    size_t i;

    d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        r->failed = 1;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (replay_skip_name(e->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof(*names));

            if (nn == NULL) {
                r->failed = 1;
                break;
            }
            names = nn;
            cap = ncap;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            r->failed = 1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), replay_cmp_names);
    for (i = 0; i < n; i++) {
        size_t len = strlen(path) + 1 + strlen(names[i]) + 1;
        char *child = malloc(len);

        if (child == NULL) {
            r->failed = 1;
        } else {
            snprintf(child, len, "%s/%s", path, names[i]);
            replay_path(r, child, 0);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

static void
replay_path(struct replay *r, const char *path, int top)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        /* A top-level argument may be missing (an empty regress folder is not committed);
         * an entry that vanished while walking a directory is an error. */
        if (!top || errno != ENOENT) {
            fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
            r->failed = 1;
        }
        return;
    }
    if (S_ISDIR(st.st_mode))
        replay_dir(r, path);
    else if (S_ISREG(st.st_mode))
        replay_file(r, path, st.st_size);
}

static void
replay_usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-v] FILE|DIR...\n"
            "Run the fuzz target once per input file (directories recursively, sorted).\n"
            "Fails when no input ran at all.\n",
            argv0);
}

int
main(int argc, char **argv)
{
    struct replay r;
    unsigned long total = 0;
    int first = 1;
    int i;

    memset(&r, 0, sizeof(r));
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        r.verbose = 1;
        first = 2;
    }
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        replay_usage(argv[0]);
        return 0;
    }
    if (first >= argc) {
        replay_usage(argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
    replay_install_handlers();

    for (i = first; i < argc; i++) {
        struct stat st;
        int missing = stat(argv[i], &st) != 0 && errno == ENOENT;

        r.count = 0;
        replay_path(&r, argv[i], 1);
        printf("replay: %s: %lu input%s%s\n", argv[i], r.count, r.count == 1 ? "" : "s",
               missing ? " (missing)" : "");
        total += r.count;
    }
    printf("replayed %lu inputs\n", total);
    fflush(stdout);
    if (r.failed) {
        fprintf(stderr, "replay: FAILED: I/O errors while reading inputs\n");
        return 2;
    }
    if (total == 0) {
        fprintf(stderr, "replay: FAILED: no input ran (empty or missing corpus)\n");
        return 1;
    }
    return 0;
}
