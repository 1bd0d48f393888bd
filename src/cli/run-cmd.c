/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "run-opts.h"
#include "parse-util.h"
#include "sandbox/sandbox.h"
#include "xalloc.h"

/* `coderunner run`: one sandboxed run from the shell, like `docker run`.
 * Exit status: with --json 0 whenever a result was produced (the verdict is
 * in the JSON), 2 for bad usage, 1 for an internal error; without --json the
 * program's own status (128 + signal when killed). */

#define EXIT_USAGE RUN_EXIT_USAGE
#define EXIT_INTERNAL RUN_EXIT_INTERNAL
#define MAX_FILES RUN_MAX_FILES
#define MAX_ENV RUN_MAX_ENV
#define MAX_STDIN (256ULL << 20)

enum {
        OPT_ROOTFS = 0x100, OPT_FILE, OPT_STDIN, OPT_TIME, OPT_WALL, OPT_MEMORY, OPT_PIDS, OPT_OUTPUT,
        OPT_TMPFS, OPT_ENV, OPT_JSON, OPT_ALLOW_MISSING, OPT_PROFILE, OPT_HELP, OPT_CPUS, OPT_DELEGATE,
        OPT_LANG, OPT_SOURCE, OPT_STORE,
};

static const struct option run_options[] = {
        { "rootfs", required_argument, NULL, OPT_ROOTFS },
        { "workdir-file", required_argument, NULL, OPT_FILE },
        { "stdin", required_argument, NULL, OPT_STDIN },
        { "time-limit", required_argument, NULL, OPT_TIME },
        { "wall-limit", required_argument, NULL, OPT_WALL },
        { "memory-limit", required_argument, NULL, OPT_MEMORY },
        { "pids-limit", required_argument, NULL, OPT_PIDS },
        { "output-limit", required_argument, NULL, OPT_OUTPUT },
        { "tmpfs-size", required_argument, NULL, OPT_TMPFS },
        { "env", required_argument, NULL, OPT_ENV },
        { "json", no_argument, NULL, OPT_JSON },
        { "allow-missing-controller", required_argument, NULL, OPT_ALLOW_MISSING },
        { "seccomp-profile", required_argument, NULL, OPT_PROFILE },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "cgroup-delegate", no_argument, NULL, OPT_DELEGATE },
        { "lang", required_argument, NULL, OPT_LANG },
        { "file", required_argument, NULL, OPT_SOURCE },
        { "image-store", required_argument, NULL, OPT_STORE },
        { "help", no_argument, NULL, OPT_HELP },
        {},
};

static void run_usage(FILE *f)
{
        fputs("Usage: coderunner run --rootfs DIR [OPTIONS] -- PROGRAM [ARGS...]\n"
              "       coderunner run --lang NAME[@VERSION] --file SOURCE [OPTIONS] [-- ARGS...]\n"
              "\n"
              "Options: [--workdir-file SRC:DEST]... [--stdin FILE] [--image-store DIR]\n"
              "                      [--time-limit SECONDS] [--wall-limit SECONDS] [--memory-limit SIZE]\n"
              "                      [--pids-limit N] [--output-limit BYTES] [--tmpfs-size SIZE]\n"
              "                      [--env K=V]... [--json] [--seccomp-profile FILE] [--cpus FRACTION]\n"
              "                      [--allow-missing-controller memory|pids|cpu]... [--cgroup-delegate]\n",
              f);
}

int run_usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("coderunner run: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return -EINVAL;
}

#define usage_error run_usage_error

int run_error_exit(const struct cr_error *err)
{
        return err && (err->kind == CR_ERROR_INVALID || err->kind == CR_ERROR_NOT_FOUND) ? EXIT_USAGE : EXIT_INTERNAL;
}

void run_opts_apply_limits(const struct run_opts *o, struct cr_sandbox_limits *l)
{
        const struct cr_sandbox_limits *c = &o->limits;

        if (o->limits_set & LIMIT_SET_TIME)
                l->cpu_time_ms = c->cpu_time_ms;
        if (o->limits_set & LIMIT_SET_WALL)
                l->wall_time_ms = c->wall_time_ms;
        else if (o->limits_set & LIMIT_SET_TIME) /* room for blocking on I/O, never unbounded */
                l->wall_time_ms = c->cpu_time_ms * 3;
        if (o->limits_set & LIMIT_SET_MEMORY)
                l->memory_bytes = c->memory_bytes;
        if (o->limits_set & LIMIT_SET_PIDS)
                l->pids = c->pids;
        if (o->limits_set & LIMIT_SET_OUTPUT)
                l->output_bytes = c->output_bytes;
        if (o->limits_set & LIMIT_SET_TMPFS)
                l->tmpfs_bytes = c->tmpfs_bytes;
        if (o->limits_set & LIMIT_SET_CPUS)
                l->cpu_quota_pct = c->cpu_quota_pct;
        /* A file can never be larger than the tmpfs it lives on. */
        l->file_size_bytes = l->tmpfs_bytes;
}

static int parse_positive(int (*parse)(const char *, uint64_t *), const char *opt, const char *arg, uint64_t *ret)
{
        uint64_t v;

        if (parse(arg, &v) < 0)
                return usage_error("invalid value for --%s", opt);
        if (v == 0)
                return usage_error("--%s must be greater than 0", opt);
        *ret = v;
        return 0;
}

/* "0.5" → 50 (% of one CPU), in whole percent, at least 1. */
static int parse_cpus(const char *arg, uint64_t *ret_pct)
{
        uint64_t thousandths;

        if (parse_seconds_ms(arg, &thousandths) < 0 || strchr(arg, 's'))
                return usage_error("invalid value for --cpus: '%s'", arg);
        if (thousandths < 10)
                return usage_error("%s", "--cpus must be at least 0.01");
        *ret_pct = thousandths / 10;
        return 0;
}

static int parse_file_arg(struct run_opts *o, char *arg)
{
        char *colon = strrchr(arg, ':');
        struct stat st;
        int fd;

        if (!colon || colon == arg || !colon[1])
                return usage_error("--workdir-file wants SRC:DEST, got '%s'", arg);
        if (o->n_files >= MAX_FILES)
                return usage_error("too many --workdir-file options (max %d)", MAX_FILES);
        *colon = 0;
        if (colon[1] == '/' || strstr(colon + 1, ".."))
                return usage_error("--workdir-file destination must be relative and without '..': '%s'", colon + 1);
        fd = open(arg, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                if (fd >= 0)
                        close(fd);
                return usage_error("cannot read regular file '%s'", arg);
        }
        o->files[o->n_files++] = (struct cr_sandbox_file) {
                .dest = colon + 1, .fd = fd, .mode = (st.st_mode & 0111) ? 0755 : 0644,
        };
        return 0;
}

static int parse_limit(struct run_opts *o, int c, char *arg)
{
        struct cr_sandbox_limits *l = &o->limits;

        switch (c) {
        case OPT_TIME:
                o->limits_set |= LIMIT_SET_TIME;
                return parse_positive(parse_seconds_ms, "time-limit", arg, &l->cpu_time_ms);
        case OPT_WALL:
                o->limits_set |= LIMIT_SET_WALL;
                return parse_positive(parse_seconds_ms, "wall-limit", arg, &l->wall_time_ms);
        case OPT_MEMORY:
                o->limits_set |= LIMIT_SET_MEMORY;
                return parse_positive(parse_size, "memory-limit", arg, &l->memory_bytes);
        case OPT_PIDS:
                o->limits_set |= LIMIT_SET_PIDS;
                return parse_positive(safe_atou64, "pids-limit", arg, &l->pids);
        case OPT_OUTPUT:
                o->limits_set |= LIMIT_SET_OUTPUT;
                return parse_positive(parse_size, "output-limit", arg, &l->output_bytes);
        case OPT_TMPFS:
                o->limits_set |= LIMIT_SET_TMPFS;
                return parse_positive(parse_size, "tmpfs-size", arg, &l->tmpfs_bytes);
        case OPT_CPUS:
                o->limits_set |= LIMIT_SET_CPUS;
                return parse_cpus(arg, &l->cpu_quota_pct);
        default:
                return usage_error("%s", "unexpected option");
        }
}

static int parse_one(struct run_opts *o, int c, char *arg)
{
        unsigned bit;

        switch (c) {
        case OPT_ROOTFS: o->rootfs = arg; return 0;
        case OPT_FILE: return parse_file_arg(o, arg);
        case OPT_STDIN: o->stdin_path = arg; return 0;
        case OPT_ENV:
                if (!strchr(arg, '=') || arg[0] == '=')
                        return usage_error("--env wants K=V, got '%s'", arg);
                if (o->n_env >= MAX_ENV)
                        return usage_error("too many --env options (max %d)", MAX_ENV);
                o->envp[o->n_env++] = arg;
                return 0;
        case OPT_JSON: o->json = true; return 0;
        case OPT_ALLOW_MISSING:
                if (cli_parse_controller(arg, &bit) < 0)
                        return usage_error("unknown cgroup controller '%s' (memory, pids, cpu)", arg);
                o->allow_missing |= bit;
                return 0;
        case OPT_PROFILE: o->profile = arg; return 0;
        case OPT_DELEGATE: o->cgroup_delegate = true; return 0;
        case OPT_LANG: o->lang = arg; return 0;
        case OPT_SOURCE: o->source = arg; return 0;
        case OPT_STORE: o->image_store = arg; return 0;
        case OPT_HELP: o->help = true; return 0;
        default: return parse_limit(o, c, arg);
        }
}

static int check_lang_args(const struct run_opts *o)
{
        if (o->rootfs)
                return usage_error("%s", "--lang and --rootfs exclude each other (the runtime names its image)");
        if (!o->source)
                return usage_error("%s", "--lang needs --file SOURCE");
        if (o->n_files > 0 || o->n_env > 0)
                return usage_error("%s", "--workdir-file and --env do not apply with --lang (the runtime sets them)");
        return 0;
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
        int c, r;

        optind = 1;
        opterr = 0; /* one message of our own, not getopt's */
        while ((c = getopt_long(argc, argv, "+", run_options, NULL)) != -1) {
                if (c == '?' || c == ':')
                        return usage_error("unknown option or missing value: '%s' (see --help)", argv[optind - 1]);
                r = parse_one(o, c, optarg);
                if (r < 0)
                        return r;
        }
        if (o->help)
                return 0;
        o->argv = argv + optind;
        o->envp[o->n_env] = NULL;
        if (o->lang)
                return check_lang_args(o);
        if (!o->rootfs)
                return usage_error("%s", "--rootfs DIR (or --lang NAME) is required");
        if (optind >= argc)
                return usage_error("%s", "no program given (put it after --)");
        if (!o->profile)
                o->profile = cli_default_seccomp_profile();
        return 0;
}

static int read_stdin_file(const char *path, struct cr_buf *b)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char chunk[65536];
        ssize_t n;

        if (fd < 0)
                return usage_error("cannot open stdin file '%s'", path);
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                if (cr_buf_append(b, chunk, (size_t) n) < 0)
                        return usage_error("stdin file '%s' is too large (max 256 MiB)", path);
        return n < 0 ? usage_error("cannot read stdin file '%s'", path) : 0;
}

void run_passthrough(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        (void) userdata;
        (void) loop_write(stream == CR_STREAM_STDOUT ? STDOUT_FILENO : STDERR_FILENO, data, n);
}

static int report(const struct run_opts *o, const struct cr_sandbox_result *res)
{
        if (o->json) {
                _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64ULL << 20);
                if (cr_sandbox_result_to_json(res, &b) < 0 || cr_buf_append(&b, "\n", 1) < 0 ||
                    loop_write(STDOUT_FILENO, b.data, b.len) < 0)
                        return EXIT_INTERNAL;
                return 0;
        }
        if (res->verdict != CR_VERDICT_OK && res->verdict != CR_VERDICT_RUNTIME_ERROR)
                fprintf(stderr, "coderunner: %s%s%s\n", cr_verdict_to_string(res->verdict),
                        res->limit ? " by " : "", res->limit ? cr_limit_kind_to_string(res->limit) : "");
        if (res->signal)
                return 128 + res->signal;
        return res->exit_code;
}

static int execute(struct run_opts *o, const struct cr_buf *input)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_close_ int slot_fd = -EBADF;
        struct cli_sandbox_env env;
        struct cr_sandbox_result res;
        struct cr_sandbox_spec spec = {
                .rootfs = o->rootfs, .argv = (const char *const *) o->argv, .envp = o->envp,
                .files = o->files, .n_files = o->n_files,
                .stdin_data = input->data, .stdin_len = input->len,
                .on_output = o->json ? NULL : run_passthrough,
        };
        int r, slot;

        cr_sandbox_limits_default(&spec.limits);
        run_opts_apply_limits(o, &spec.limits);
        r = cli_sandbox_env_open(&env, o->profile, o->allow_missing, o->cgroup_delegate, &err);
        if (r >= 0)
                r = slot = cli_slot_acquire(&slot_fd, &err);
        if (r >= 0) {
                spec.slot = (unsigned) slot;
                r = cr_sandbox_run(env.sandbox, &spec, &res, &err);
        }
        cli_sandbox_env_close(&env);
        if (r < 0) {
                fprintf(stderr, "coderunner run: %s\n", err ? err->msg : "failed");
                return run_error_exit(err);
        }
        r = report(o, &res);
        cr_sandbox_result_done(&res);
        return r;
}

int cmd_run(int argc, char **argv)
{
        _cleanup_buf_ struct cr_buf input = CR_BUF_INIT(MAX_STDIN);
        struct run_opts *o = xzalloc(sizeof(*o));
        struct stat st;
        int r;

        r = parse_args(o, argc, argv);
        if (r >= 0 && o->help) {
                run_usage(stdout);
                free(o);
                return 0;
        }
        if (r >= 0 && o->rootfs && (stat(o->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)))
                r = usage_error("rootfs '%s' is not a directory", o->rootfs);
        if (r >= 0 && o->stdin_path)
                r = read_stdin_file(o->stdin_path, &input);
        if (r >= 0 && geteuid() != 0)
                r = usage_error("%s", "must run as root (it creates user namespaces mapped to other host ids)");
        if (r < 0)
                r = EXIT_USAGE;
        else
                r = o->lang ? run_lang(o, &input) : execute(o, &input);
        for (size_t i = 0; i < o->n_files; i++)
                safe_close(o->files[i].fd);
        free(o);
        return r;
}
