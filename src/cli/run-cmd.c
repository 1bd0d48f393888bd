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
#include "image/image.h"
#include "log.h"
#include "run-lang.h"
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

enum {
        OPT_ROOTFS = 0x100, OPT_FILE, OPT_STDIN, OPT_TIME, OPT_WALL, OPT_MEMORY, OPT_PIDS, OPT_OUTPUT,
        OPT_TMPFS, OPT_ENV, OPT_JSON, OPT_ALLOW_MISSING, OPT_PROFILE, OPT_HELP, OPT_CPUS, OPT_DELEGATE,
        OPT_LANG, OPT_SOURCE, OPT_STORE, OPT_INPUT, OPT_IMAGE,
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
        { "image", required_argument, NULL, OPT_IMAGE },
        { "file", required_argument, NULL, OPT_SOURCE },
        { "image-store", required_argument, NULL, OPT_STORE },
        { "input-limit", required_argument, NULL, OPT_INPUT },
        { "help", no_argument, NULL, OPT_HELP },
        {},
};

static void run_usage(FILE *f)
{
        fputs("Usage: coderunner run --rootfs DIR [OPTIONS] -- PROGRAM [ARGS...]\n"
              "       coderunner run --image NAME[@VERSION] [OPTIONS] -- PROGRAM [ARGS...]\n"
              "       coderunner run --lang NAME[@VERSION] --file SOURCE [OPTIONS] [-- ARGS...]\n"
              "\n"
              "Options: [--workdir-file SRC:DEST]... [--stdin FILE|-] [--input-limit SIZE] [--image-store DIR]\n"
              "                      [--time-limit SECONDS] [--wall-limit SECONDS] [--memory-limit SIZE]\n"
              "                      [--pids-limit N] [--output-limit BYTES] [--tmpfs-size SIZE]\n"
              "                      [--env K=V]... [--json] [--seccomp-profile FILE] [--cpus FRACTION]\n"
              "                      [--allow-missing-controller memory|pids|cpu]... [--cgroup-delegate]\n"
              "\n"
              "Without --stdin, a non-terminal stdin is passed to the program (a pipe as it arrives);\n"
              "--file - reads the source from stdin instead.\n",
              f);
}

#define usage_error run_usage_error

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
        case OPT_IMAGE: o->image = arg; return 0;
        case OPT_SOURCE: o->source = arg; return 0;
        case OPT_STORE: o->image_store = arg; return 0;
        case OPT_INPUT: return parse_positive(parse_size, "input-limit", arg, &o->input_max);
        case OPT_HELP: o->help = true; return 0;
        default: return parse_limit(o, c, arg);
        }
}

static int check_lang_args(const struct run_opts *o)
{
        if (o->image)
                return usage_error("%s", "--lang and --image exclude each other (the runtime names its image)");
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
        if (o->rootfs && o->image)
                return usage_error("%s", "--rootfs and --image exclude each other");
        if (!o->rootfs && !o->image)
                return usage_error("%s", "--rootfs DIR, --image NAME or --lang NAME is required");
        if (optind >= argc)
                return usage_error("%s", "no program given (put it after --)");
        if (!o->profile)
                o->profile = cli_default_seccomp_profile();
        return 0;
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
        if (res->stdin_truncated)
                fputs("coderunner: stdin was cut at the input limit (see --input-limit)\n", stderr);
        if (res->verdict != CR_VERDICT_OK && res->verdict != CR_VERDICT_RUNTIME_ERROR)
                fprintf(stderr, "coderunner: %s%s%s%s%s%s\n", cr_verdict_to_string(res->verdict),
                        res->limit ? " by " : "", res->limit ? cr_limit_kind_to_string(res->limit) : "",
                        res->seccomp_syscall[0] ? " (" : "", res->seccomp_syscall, res->seccomp_syscall[0] ? ")" : "");
        if (res->signal)
                return 128 + res->signal;
        return res->exit_code;
}

/* --image: the image's tree, pinned (so it cannot be removed or replaced
 * under the run) for as long as *ret_pin is open. */
static int resolve_image(struct run_opts *o, struct cr_image_info **ret_info, int *ret_pin, struct cr_error **err)
{
        _cleanup_(cr_image_store_freep) struct cr_image_store *s = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        int r;

        r = cr_image_store_open(run_opts_image_store(o), 0, NULL, &s, err);
        if (r >= 0)
                r = cr_image_resolve(s, o->image, &info, err);
        if (r < 0)
                return cr_error_wrap(err, "image '%s' (see coderunner images list)", o->image);
        r = *ret_pin = cr_image_pin(info, err);
        if (r < 0)
                return r;
        *ret_info = TAKE_PTR(info);
        return 0;
}

/* Like docker run: an image's programs find their tools without --env. */
static void default_path(struct run_opts *o)
{
        for (size_t i = 0; i < o->n_env; i++)
                if (strncmp(o->envp[i], "PATH=", 5) == 0)
                        return;
        if (o->n_env < MAX_ENV) {
                o->envp[o->n_env++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
                o->envp[o->n_env] = NULL;
        }
}

static int execute(struct run_opts *o, const struct run_input *input)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cli_slot_release) int slot_fd = -EBADF;
        _cleanup_close_ int pin_fd = -EBADF;
        _cleanup_(cr_image_info_freep) struct cr_image_info *image = NULL;
        struct cli_sandbox_env env;
        struct cr_sandbox_result res;
        struct cr_sandbox_spec spec = {
                .rootfs = o->rootfs, .argv = (const char *const *) o->argv, .envp = o->envp,
                .files = o->files, .n_files = o->n_files,
                .stdin_data = input->data.data, .stdin_len = input->data.len,
                .stdin_stream_fd = input->stream_fd, .stdin_stream_max = input->max,
                .on_output = o->json ? NULL : run_passthrough,
        };
        int r, slot;

        cr_sandbox_limits_default(&spec.limits);
        run_opts_apply_limits(o, &spec.limits);
        if (o->image) {
                r = resolve_image(o, &image, &pin_fd, &err);
                if (r < 0) {
                        fprintf(stderr, "coderunner run: %s\n", err->msg);
                        return run_error_exit(err);
                }
                spec.rootfs = image->rootfs;
                default_path(o);
        }
        r = cli_sandbox_env_open(&env, o->profile, o->allow_missing, o->cgroup_delegate, &err);
        if (r >= 0)
                r = slot = cli_slot_acquire(&slot_fd, &err);
        if (r >= 0) {
                spec.slot = (unsigned) slot;
                cli_slot_join_netns(env.sandbox, slot, slot_fd);
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
        struct run_input input = { .stream_fd = -EBADF };
        struct run_opts *o = xzalloc(sizeof(*o));
        struct stat st;
        int r;

        o->input_max = RUN_INPUT_MAX_DEFAULT;
        r = parse_args(o, argc, argv);
        if (r >= 0 && o->help) {
                run_usage(stdout);
                free(o);
                return 0;
        }
        if (r >= 0 && o->rootfs && (stat(o->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)))
                r = usage_error("rootfs '%s' is not a directory", o->rootfs);
        if (r >= 0 && geteuid() != 0)
                r = usage_error("%s", "must run as root (it creates user namespaces mapped to other host ids)");
        if (r >= 0)
                r = run_input_open(&input, o);
        if (r < 0)
                r = EXIT_USAGE;
        else
                r = o->lang ? run_lang(o, &input) : execute(o, &input);
        run_input_close(&input);
        for (size_t i = 0; i < o->n_files; i++)
                safe_close(o->files[i].fd);
        free(o);
        return r;
}
