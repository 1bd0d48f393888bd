/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image.h"
#include "json/json.h"
#include "parse-util.h"
#include "proc-util.h"
#include "xalloc.h"

/* `coderunner images`: import, list, verify, remove and build language
 * images. Exit status: 0 success, 2 bad usage or bad input (including an
 * archive the store refuses), 1 internal error or failed verification. */


#define EXIT_USAGE    2
#define EXIT_INTERNAL 1
#define MiB           (1024.0 * 1024.0)

extern char **environ;

struct images_opts {
        const char *store;
        const char *manifest;
        const char *cache;
        const char *jobs;
        const char *name;    /* import of a Docker/OCI image */
        const char *version;
        struct cr_image_limits limits;
        unsigned import_flags;
        bool json;
        bool force;
        bool import;
        bool help;
};

enum {
        OPT_STORE = 0x100,
        OPT_MANIFEST,
        OPT_REPLACE,
        OPT_MAX_SIZE,
        OPT_MAX_ENTRIES,
        OPT_JSON,
        OPT_CACHE,
        OPT_JOBS,
        OPT_FORCE,
        OPT_IMPORT,
        OPT_NAME,
        OPT_VERSION,
        OPT_HELP,
};

static const struct option images_options[] = {
        {"store", required_argument, NULL, OPT_STORE},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
        {"json", no_argument, NULL, OPT_JSON},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"force", no_argument, NULL, OPT_FORCE},
        {"import", no_argument, NULL, OPT_IMPORT},
        {"name", required_argument, NULL, OPT_NAME},
        {"version", required_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {},
};

static void images_usage(FILE *f)
{
        fputs("Usage: coderunner images [--store DIR] COMMAND ...\n"
              "  import FILE.tar.zst [--manifest FILE] [--replace] [--max-size SIZE] [--max-entries N]\n"
              "  import DOCKER-SAVE.tar|OCI-LAYOUT[.tar] --name NAME --version VERSION [--replace] [...]\n"
              "  list [--json]\n"
              "  verify NAME[@VERSION]\n"
              "  remove NAME[@VERSION]\n"
              "  build NAME[@SUITE]|all [--cache DIR] [--jobs N] [--force] [--import]\n"
              "The store defaults to $CODERUNNER_IMAGE_STORE, else " CR_IMAGE_STORE_DEFAULT ".\n",
              f);
}

static int _printf_(1, 2) usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("coderunner images: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return EXIT_USAGE;
}

/* Logs the error once and maps it to the exit status. */
static int fail(const char *cmd, const struct cr_error *err)
{
        fprintf(stderr, "coderunner images %s: %s\n", cmd, err ? err->msg : "failed");
        if (err && (err->kind == CR_ERROR_INVALID || err->kind == CR_ERROR_NOT_FOUND ||
                    err->kind == CR_ERROR_LIMIT))
                return EXIT_USAGE;
        return EXIT_INTERNAL;
}

static int parse_opt(struct images_opts *o, int c, const char *arg)
{
        uint64_t v;

        switch (c) {
        case OPT_STORE:
                o->store = arg;
                return 0;
        case OPT_MANIFEST:
                o->manifest = arg;
                return 0;
        case OPT_REPLACE:
                o->import_flags |= CR_IMAGE_IMPORT_REPLACE;
                return 0;
        case OPT_MAX_SIZE:
                if (parse_size(arg, &v) < 0 || v == 0)
                        return usage_error("invalid value for --max-size: '%s'", arg);
                o->limits.max_unpacked_bytes = v;
                return 0;
        case OPT_MAX_ENTRIES:
                if (safe_atou64(arg, &v) < 0 || v == 0)
                        return usage_error("invalid value for --max-entries: '%s'", arg);
                o->limits.max_entries = v;
                return 0;
        case OPT_JSON:
                o->json = true;
                return 0;
        case OPT_CACHE:
                o->cache = arg;
                return 0;
        case OPT_JOBS:
                if (safe_atou64(arg, &v) < 0 || v == 0 || v > 64)
                        return usage_error("invalid value for --jobs: '%s'", arg);
                o->jobs = arg;
                return 0;
        case OPT_FORCE:
                o->force = true;
                return 0;
        case OPT_IMPORT:
                o->import = true;
                return 0;
        case OPT_NAME:
                o->name = arg;
                return 0;
        case OPT_VERSION:
                o->version = arg;
                return 0;
        case OPT_HELP:
                o->help = true;
                return 0;
        default:
                images_usage(stderr);
                return EXIT_USAGE;
        }
}

/* Parses options anywhere on the command line (GNU getopt permutes), so
 * --store works before and after the subcommand. Positionals are left in
 * argv[optind..]. */
static int parse_args(struct images_opts *o, int argc, char **argv)
{
        int c, r;

        cr_image_limits_default(&o->limits);
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", images_options, NULL)) != -1) {
                r = parse_opt(o, c == 'h' ? OPT_HELP : c, optarg);
                if (r != 0)
                        return r;
        }
        if (!o->store) {
                const char *env = secure_getenv("CODERUNNER_IMAGE_STORE");
                o->store = env && env[0] ? env : CR_IMAGE_STORE_DEFAULT;
        }
        return 0;
}

static int open_store(const struct images_opts *o, unsigned flags, struct cr_image_store **ret,
                      struct cr_error **err)
{
        return cr_image_store_open(o->store, flags, &o->limits, ret, err);
}

/* ---- import ---- */

/* FILE.tar.zst → FILE.manifest.json (also .tar, .tar.gz, .tar.xz). */
static char *default_manifest(const char *archive)
{
        static const char *const suffixes[] = {".tar.zst", ".tar.gz", ".tar.xz", ".tar"};
        size_t n = strlen(archive);

        for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
                size_t k = strlen(suffixes[i]);
                if (n > k && strcmp(archive + n - k, suffixes[i]) == 0)
                        return xasprintf("%.*s.manifest.json", (int)(n - k), archive);
        }
        return xasprintf("%s.manifest.json", archive);
}

static int import_one(const struct images_opts *o, struct cr_image_store *s, const char *archive,
                      const char *manifest)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *derived = manifest ? NULL : default_manifest(archive);
        uint64_t start = now_ms();
        int r;

        r = cr_image_import(s, archive, manifest ? manifest : derived, o->import_flags, &info, &err);
        if (r < 0)
                return fail("import", err);
        if (r == 0)
                printf("%s is already present (sha256 %.12s)\n", info->ref, info->sha256);
        else
                printf("Imported %s: %" PRIu64 " entries, %.1f MiB in %.2f s\n  %s\n", info->ref,
                       info->entries, (double)info->unpacked_bytes / MiB,
                       (double)(now_ms() - start) / 1000.0, info->rootfs);
        return 0;
}

/* A Docker/OCI image: named on the command line (it has no manifest of
 * ours). */
static int import_oci(const struct images_opts *o, struct cr_image_store *s, const char *path)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        uint64_t start = now_ms();
        int r;

        if (!o->name || !o->version)
                return usage_error("%s", "a docker save archive or OCI image layout needs --name and --version");
        if (o->manifest)
                return usage_error("%s", "--manifest is for FILE.tar.zst images, not with --name");
        r = cr_image_import_oci(s, path, o->name, o->version, o->import_flags, &info, &err);
        if (r < 0)
                return fail("import", err);
        if (r == 0)
                printf("%s is already present (sha256 %.12s)\n", info->ref, info->sha256);
        else
                printf("Imported %s from %s: %" PRIu64 " entries, %.1f MiB in %.2f s\n  %s\n", info->ref,
                       info->source, info->entries, (double)info->unpacked_bytes / MiB,
                       (double)(now_ms() - start) / 1000.0, info->rootfs);
        return 0;
}

static bool is_directory(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int images_import(const struct images_opts *o, int argc, char **argv)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (argc != 1)
                return usage_error("%s", "import wants exactly one FILE");
        if (open_store(o, CR_IMAGE_STORE_CREATE, &s, &err) < 0)
                return fail("import", err);
        /* --name/--version (or a directory) mean an image from Docker */
        if (o->name || o->version || is_directory(argv[0]))
                return import_oci(o, s, argv[0]);
        return import_one(o, s, argv[0], o->manifest);
}

/* ---- list ---- */

/* The layout of image.json (json/json.h: CR_JSON_PRETTY | CR_JSON_SPACED). */
static int list_json(struct cr_image_info **v, size_t n)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64ULL << 20);
        struct cr_json_writer w;
        int r;

        cr_json_writer_init_ext(&w, &b, CR_JSON_PRETTY | CR_JSON_SPACED);
        cr_json_array_begin(&w);
        for (size_t i = 0; i < n; i++)
                cr_image_info_write_json(&w, v[i]);
        cr_json_array_end(&w);
        r = cr_json_writer_finish(&w);
        if (r >= 0)
                r = cr_buf_append(&b, "\n", 1);
        if (r < 0 || loop_write(STDOUT_FILENO, b.data, b.len) < 0)
                return EXIT_INTERNAL;
        return 0;
}

static void list_text(struct cr_image_info **v, size_t n)
{
        printf("%-12s %-12s %-12s %10s %10s  %-12s  %s\n", "NAME", "VERSION", "FROM", "SIZE", "UNPACKED",
               "SHA256", "IMPORTED");
        for (size_t i = 0; i < n; i++)
                printf("%-12s %-12s %-12s %6.1f MiB %6.1f MiB  %.12s  %s\n", v[i]->name, v[i]->version,
                       v[i]->suite ? v[i]->suite : v[i]->source ? v[i]->source : "-",
                       (double)v[i]->size_bytes / MiB, (double)v[i]->unpacked_bytes / MiB, v[i]->sha256,
                       v[i]->import_date);
}

static int images_list(const struct images_opts *o, int argc, char **argv _unused_)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_image_info **v = NULL;
        size_t n = 0;
        int r;

        if (argc != 0)
                return usage_error("%s", "list takes no arguments");
        r = open_store(o, 0, &s, &err);
        if (r < 0 && err->kind != CR_ERROR_NOT_FOUND) /* no store yet: no images */
                return fail("list", err);
        if (r >= 0 && cr_image_list(s, &v, &n, &err) < 0)
                return fail("list", err);
        if (o->json)
                r = list_json(v, n);
        else {
                list_text(v, n);
                r = 0;
        }
        cr_image_info_list_free(v, n);
        return r;
}

/* ---- verify, remove ---- */

static int images_verify(const struct images_opts *o, int argc, char **argv)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (argc != 1)
                return usage_error("%s", "verify wants one NAME[@VERSION]");
        if (open_store(o, 0, &s, &err) < 0 || cr_image_resolve(s, argv[0], &info, &err) < 0 ||
            cr_image_verify(s, info->ref, &err) < 0)
                return fail("verify", err);
        printf("%s: OK (tree digest %.12s, %" PRIu64 " entries)\n", info->ref, info->tree_digest,
               info->entries);
        return 0;
}

static int images_remove(const struct images_opts *o, int argc, char **argv)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (argc != 1)
                return usage_error("%s", "remove wants one NAME[@VERSION]");
        if (open_store(o, 0, &s, &err) < 0 || cr_image_remove(s, argv[0], &err) < 0)
                return fail("remove", err);
        printf("Removed %s\n", argv[0]);
        return 0;
}

/* ---- build ---- */

static char *rootfs_dir(void)
{
        return cli_data_path("rootfs", "rootfs");
}

/* Starts build-all.sh [--cache DIR] [--jobs N] [--force] [--print-dirs]
 * [UNIT]; with out_fd >= 0 (taken over) its stdout goes there. */
static int spawn_build(const struct images_opts *o, const char *script, const char *unit, bool print_dirs,
                       int out_fd, pid_t *ret_pid)
{
        posix_spawn_file_actions_t fa;
        const char *argv[12];
        size_t n = 0;
        int r;

        argv[n++] = script;
        if (o->cache) {
                argv[n++] = "--cache";
                argv[n++] = o->cache;
        }
        if (o->jobs && !print_dirs) {
                argv[n++] = "--jobs";
                argv[n++] = o->jobs;
        }
        if (o->force && !print_dirs)
                argv[n++] = "--force";
        if (print_dirs)
                argv[n++] = "--print-dirs";
        if (strcmp(unit, "all") != 0)
                argv[n++] = unit;
        argv[n] = NULL;
        posix_spawn_file_actions_init(&fa);
        if (out_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        r = posix_spawn(ret_pid, script, &fa, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        safe_close(out_fd);
        if (r != 0)
                return usage_error("cannot run '%s': %s", script, strerror(r));
        return 0;
}

static int wait_build(pid_t pid, const char *script)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return EXIT_INTERNAL;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "coderunner images build: '%s' failed\n", script);
                return WIFEXITED(status) && WEXITSTATUS(status) == EXIT_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
        }
        return 0;
}

/* "RECIPE DIR" lines of build-all.sh --print-dirs: what this tree's
 * recipes built, one line per recipe and suite. */
static int built_dirs(const struct images_opts *o, const char *script, const char *unit, char **ret)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        _cleanup_close_pair_ int p[2] = {-EBADF, -EBADF};
        char chunk[4096];
        ssize_t n;
        pid_t pid;
        int r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return EXIT_INTERNAL;
        r = spawn_build(o, script, unit, true, TAKE_FD(p[1]), &pid);
        if (r != 0)
                return r;
        while ((n = read(p[0], chunk, sizeof(chunk))) > 0)
                if (cr_buf_append(&b, chunk, (size_t)n) < 0)
                        break; /* more than a catalogue's worth: wait, then fail */
        r = wait_build(pid, script);
        if (r != 0)
                return r;
        if (n != 0 || cr_buf_append(&b, "", 1) < 0)
                return EXIT_INTERNAL;
        *ret = xstrdup(b.data);
        return 0;
}

/* Imports every image the units of this tree built (DIR/RECIPE.tar.zst). */
static int import_built(const struct images_opts *o, const char *script, const char *unit)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *dirs = NULL;
        char *save = NULL;
        int r;

        r = built_dirs(o, script, unit, &dirs);
        if (r != 0)
                return r;
        if (open_store(o, CR_IMAGE_STORE_CREATE, &s, &err) < 0)
                return fail("build", err);
        for (char *line = strtok_r(dirs, "\n", &save); r == 0 && line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                if (!sp)
                        continue;
                *sp = 0;
                _cleanup_free_ char *archive = xasprintf("%s/%s.tar.zst", sp + 1, line);
                _cleanup_free_ char *manifest = xasprintf("%s/%s.manifest.json", sp + 1, line);
                r = import_one(o, s, archive, manifest);
        }
        return r;
}

static int images_build(const struct images_opts *o, int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *rootfs = rootfs_dir(), *script = NULL, *name = NULL, *suite = NULL;
        pid_t pid;
        int r;

        if (argc != 1)
                return usage_error("%s", "build wants one NAME, NAME@SUITE or 'all'");
        /* NAME@SUITE has the shape of an image reference */
        if (strcmp(argv[0], "all") != 0 && cr_image_ref_parse(argv[0], &name, &suite, &err) < 0)
                return usage_error("invalid recipe name '%s'", argv[0]);
        script = xasprintf("%s/build-all.sh", rootfs);
        r = spawn_build(o, script, argv[0], false, -EBADF, &pid);
        if (r == 0)
                r = wait_build(pid, script);
        if (r != 0 || !o->import)
                return r;
        return import_built(o, script, argv[0]);
}

int cmd_images(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(const struct images_opts *o, int argc, char **argv);
        } subs[] = {
                {"import", images_import}, {"list", images_list},   {"verify", images_verify},
                {"remove", images_remove}, {"build", images_build},
        };
        struct images_opts o = {};
        int r;

        r = parse_args(&o, argc, argv);
        if (r != 0)
                return r;
        if (o.help) {
                images_usage(stdout);
                return 0;
        }
        if (optind >= argc) {
                images_usage(stderr);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                if (strcmp(argv[optind], subs[i].name) == 0)
                        return subs[i].fn(&o, argc - optind - 1, argv + optind + 1);
        return usage_error("unknown command '%s'", argv[optind]);
}
