/* SPDX-License-Identifier: MIT */
#pragma once

/* The runtime catalogue: one JSON data file per runtime (rootfs/runtimes/),
 * naming a versioned runtime, its image, how to compile and run a program,
 * default limits and environment. Parsing is separate from I/O so the parser
 * is unit-tested and fuzzed. */

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
        char **aliases;                 /* NULL-terminated */
        char *version;
        char *image;
        char *source_file;              /* relative to the work dir, no '/' */
        char *seccomp_profile;          /* profile name in seccomp/, without .profile */
        struct cr_runtime_step *compile; /* NULL for interpreted runtimes */
        char **function_compile_argv;   /* NULL-terminated or NULL: function mode's compile argv, when it
                                         * differs ("function_mode": {"compile_argv": [...]}) */
        struct cr_runtime_step run;
        char **env;                     /* "K=V", NULL-terminated */
};

struct cr_catalog {
        struct cr_runtime *runtimes;
        size_t n;
};

#define CR_CATALOG_MAX_FILE (64 * 1024)
#define CR_CATALOG_MAX_RUNTIMES 64

int cr_runtime_parse(const char *json, size_t len, const char *name, struct cr_runtime *ret, struct cr_error **err);
void cr_runtime_done(struct cr_runtime *rt);

/* Loads every *.json in dir, sorted by name; ids and aliases must be unique. */
int cr_catalog_load_dir(const char *dir, struct cr_catalog **ret, struct cr_error **err);
struct cr_catalog *cr_catalog_free(struct cr_catalog *c);
/* "python", "py", "python@3.11.2": NOT_FOUND with the known names otherwise. */
int cr_catalog_find(const struct cr_catalog *c, const char *ref, const struct cr_runtime **ret,
                    struct cr_error **err);
