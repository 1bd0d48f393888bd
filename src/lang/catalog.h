/* SPDX-License-Identifier: MIT */
#pragma once

/* The runtime catalogue: one JSON data file per runtime (rootfs/runtimes/),
 * naming a runtime, its image, how to compile and run a program, default
 * limits and environment; and, once the installed images are known, one
 * entry per installed version of each runtime (cr_catalog_install).
 * Parsing is separate from I/O so the parser is unit-tested and fuzzed.
 *
 * Version selection (cr_catalog_find): "ID[@SELECTOR]", ID a runtime id or
 * alias; SELECTOR an exact version ("3.13.5"), an alias ("latest",
 * "default", or the Debian suite an image was built from: "trixie"), or a
 * prefix ending at a version component ("3.13" → the highest 3.13.x).
 * Without one, the operator's default (cr_catalog_install's `defaults`).
 * Anything that matches no installed version is CR_ERROR_INVALID, naming
 * what is installed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_error;

struct cr_runtime_limits {
        uint64_t time_ms;
        uint64_t wall_ms;
        uint64_t memory_bytes;
        uint64_t pids;
};

struct cr_runtime_step {
        char **argv;                    /* NULL-terminated, owned */
        struct cr_runtime_limits limits;
};

struct cr_runtime {
        char *id;
        char **aliases;                 /* NULL-terminated: "py", or "java17@17" (also picks a version) */
        char *version;                  /* the installed image's version; NULL: none installed */
        char *image;                    /* image name; the image is image@version */
        char *suite;                    /* Debian suite the image was built from, may be NULL */
        bool is_default;                /* what the runtime's id alone selects */
        char *source_file;              /* relative to the work dir, no '/' */
        char *seccomp_profile;          /* profile name in seccomp/, without .profile */
        struct cr_runtime_step *compile; /* NULL for interpreted runtimes */
        char **function_compile_argv;   /* NULL-terminated or NULL: function mode's compile argv, when it
                                         * differs ("function_mode": {"compile_argv": [...]}) */
        char **function_run_argv;       /* NULL-terminated or NULL: function mode's run argv, when it differs
                                         * (Java: the prebuilt helpers on the class path) */
        struct cr_runtime_step run;
        char **env;                     /* "K=V", NULL-terminated */
};

/* Sorted by id, then version (strverscmp). */
struct cr_catalog {
        struct cr_runtime *runtimes;
        size_t n;
        char *warnings;                 /* owned, NULL or lines for the operator (unmet defaults) */
};

/* An installed image, as the image store lists it. */
struct cr_catalog_image {
        const char *name;
        const char *version;
        const char *suite;              /* may be NULL */
};

#define CR_CATALOG_MAX_FILE (64 * 1024)
#define CR_CATALOG_MAX_RUNTIMES 64
#define CR_CATALOG_MAX_ENTRIES 1024     /* runtimes × installed versions */
#define CR_CATALOG_VERSION_MAX 64

int cr_runtime_parse(const char *json, size_t len, const char *name, struct cr_runtime *ret, struct cr_error **err);
void cr_runtime_done(struct cr_runtime *rt);

/* Loads every *.json in dir, sorted by name; ids and aliases must be
 * unique. Every runtime is listed once, without a version, until
 * cr_catalog_install(). */
int cr_catalog_load_dir(const char *dir, struct cr_catalog **ret, struct cr_error **err);
/* Gives each runtime one entry per installed image of its name (a runtime
 * without one keeps a single entry with version NULL: known, not
 * installed), and marks each runtime's default. `defaults` is the
 * operator's choice, whitespace- or comma-separated: "ID=SELECTOR" for one
 * runtime, a bare SELECTOR for all (first match wins; e.g. "trixie" or
 * "typescript=5.9 java=25 trixie"); where nothing matches, the highest
 * installed version, with a line in c->warnings if a selector was given
 * for that runtime. A malformed `defaults` is CR_ERROR_INVALID. */
int cr_catalog_install(struct cr_catalog *c, const struct cr_catalog_image *images, size_t n_images,
                       const char *defaults, struct cr_error **err);
struct cr_catalog *cr_catalog_free(struct cr_catalog *c);
/* "python", "py", "python@3.13", "python@trixie", "java17": the entry, or
 * CR_ERROR_INVALID naming the known runtimes or the installed versions. A
 * runtime with nothing installed resolves (without a selector) to its
 * versionless entry: the caller reports it as unavailable. */
int cr_catalog_find(const struct cr_catalog *c, const char *ref, const struct cr_runtime **ret,
                    struct cr_error **err);
/* Version strings of images and selectors: [A-Za-z0-9][A-Za-z0-9._+~-]*. */
bool cr_catalog_version_valid(const char *s);
void cr_catalog_strv_free(char **v);
