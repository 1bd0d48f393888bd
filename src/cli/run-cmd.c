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
#include "parse-util.h"
#include "sandbox/sandbox.h"
#include "xalloc.h"

/* `coderunner run`: one sandboxed run from the shell, like `docker run`.
 * Exit status: with --json 0 whenever a result was produced (the verdict is
 * in the JSON), 2 for bad usage, 1 for an internal error; without --json the
 * program's own status (128 + signal when killed). */

#define EXIT_USAGE 2
#define EXIT_INTERNAL 1
#define MAX_FILES 256
#define MAX_ENV 256
#define MAX_STDIN (256ULL << 20)

struct run_opts {
        const char *rootfs;
        const char *stdin_path;
        const char *profile;
        bool json;
        bool help;
        bool cgroup_delegate;
        bool wall_set;
        unsigned allow_missing;
        struct cr_sandbox_limits limits;
        struct cr_sandbox_file files[MAX_FILES];
        size_t n_files;
        const char *envp[MAX_ENV + 1];
        size_t n_env;
        char **argv;
};

enum {
        OPT_ROOTFS = 0x100, OPT_FILE, OPT_STDIN, OPT_TIME, OPT_WALL, OPT_MEMORY, OPT_PIDS, OPT_OUTPUT,
        OPT_TMPFS, OPT_ENV, OPT_JSON, OPT_ALLOW_MISSING, OPT_PROFILE, OPT_HELP, OPT_CPUS, OPT_DELEGATE,
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
        { "help", no_argument, NULL, OPT_HELP },
        {},
};

static void run_usage(FILE *f)
{
        fputs("Usage: coderunner run --rootfs DIR [--workdir-file SRC:DEST]... [--stdin FILE]\n"
              "                      [--time-limit SECONDS] [--wall-limit SECONDS] [--memory-limit SIZE]\n"
              "                      [--pids-limit N] [--output-limit BYTES] [--tmpfs-size SIZE]\n"
              "                      [--env K=V]... [--json] [--seccomp-profile FILE] [--cpus FRACTION]\n"
              "                      [--allow-missing-controller memory|pids|cpu]... [--cgroup-delegate]\n"
              "                      -- PROGRAM [ARGS...]\n",
              f);
}

static int _printf_(1, 2) usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("coderunner run: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return -EINVAL;
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

static int parse_one(struct run_opts *o, int c, char *arg)
{
        struct cr_sandbox_limits *l = &o->limits;
        unsigned bit;

        switch (c) {
        case OPT_ROOTFS: o->rootfs = arg; return 0;
        case OPT_FILE: return parse_file_arg(o, arg);
        case OPT_STDIN: o->stdin_path = arg; return 0;
        case OPT_TIME: return parse_positive(parse_seconds_ms, "time-limit", arg, &l->cpu_time_ms);
        case OPT_WALL:
                o->wall_set = true;
                return parse_positive(parse_seconds_ms, "wall-limit", arg, &l->wall_time_ms);
        case OPT_MEMORY: return parse_positive(parse_size, "memory-limit", arg, &l->memory_bytes);
        case OPT_PIDS: return parse_positive(safe_atou64, "pids-limit", arg, &l->pids);
        case OPT_OUTPUT: return parse_positive(parse_size, "output-limit", arg, &l->output_bytes);
        case OPT_TMPFS: return parse_positive(parse_size, "tmpfs-size", arg, &l->tmpfs_bytes);
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
        case OPT_CPUS: return parse_cpus(arg, &l->cpu_quota_pct);
        case OPT_DELEGATE: o->cgroup_delegate = true; return 0;
        case OPT_HELP: o->help = true; return 0;
        default: return usage_error("%s", "unexpected option");
        }
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
        int c, r;

        cr_sandbox_limits_default(&o->limits);
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
        if (!o->rootfs)
                return usage_error("%s", "--rootfs DIR is required");
        if (optind >= argc)
                return usage_error("%s", "no program given (put it after --)");
        if (!o->wall_set) /* room for blocking on I/O, but never unbounded */
                o->limits.wall_time_ms = o->limits.cpu_time_ms * 3;
        /* A file can never be larger than the tmpfs it lives on. */
        o->limits.file_size_bytes = o->limits.tmpfs_bytes;
        o->argv = argv + optind;
        o->envp[o->n_env] = NULL;
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

static void passthrough(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n)
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
                .limits = o->limits,
                .on_output = o->json ? NULL : passthrough,
        };
        int r, slot;

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
                return err && (err->kind == CR_ERROR_INVALID || err->kind == CR_ERROR_NOT_FOUND) ? EXIT_USAGE :
                                                                                                 EXIT_INTERNAL;
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
        if (r >= 0 && (stat(o->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)))
                r = usage_error("rootfs '%s' is not a directory", o->rootfs);
        if (r >= 0 && o->stdin_path)
                r = read_stdin_file(o->stdin_path, &input);
        if (r >= 0 && geteuid() != 0)
                r = usage_error("%s", "must run as root (it creates user namespaces mapped to other host ids)");
        r = r < 0 ? EXIT_USAGE : execute(o, &input);
        for (size_t i = 0; i < o->n_files; i++)
                safe_close(o->files[i].fd);
        free(o);
        return r;
}
