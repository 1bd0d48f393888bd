/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "executor-env.h"
#include "lang/installed.h"
#include "log.h"
#include "parse-util.h"
#include "service/service.h"
#include "xalloc.h"

/* coderunner-executor: the program the daemon's keeper runs (the daemon
 * forks, the child execs this). It builds the executor's configuration
 * from the daemon's (the same environment) and keeps the executor
 * (executor/executor.h). It links what the executor runs and no more: the
 * daemon maps ~70 libraries (gRPC, Abseil, TLS), ~360 mappings that each
 * worker fork, sandbox clone and sandbox fork copied and each exit tore
 * down (docs/internals/performance.md, lever 17).
 *
 *   coderunner-executor --slots 0,1,... --runtimes FINGERPRINT --build VERSION
 *
 * with the control socket on fd 3, the status socket on fd 4 and the slot
 * locks from fd 5 on (executor/executor.h). */

#define USAGE "Usage: coderunner-executor --slots LIST --runtimes FINGERPRINT --build VERSION\n" \
              "Run by coderunner serve only.\n"

void cli_daemon_logging(const struct cr_config *cfg)
{
        cr_log_set_level(cr_log_level_from_string(cfg->log_level));
        cr_log_set_format(strcmp(cfg->log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
        /* under systemd, stderr is the journal: structured entries instead */
        if (cr_service_journal_on_stderr())
                cr_service_log_to_journal();
}

static char *runtimes_fingerprint(const struct cr_installed *installed)
{
        return xasprintf("%016" PRIx64, cr_installed_fingerprint(installed));
}

int cli_executor_start(const struct cli_executor_start *s, int *ret_control_fd, int *ret_status_fd,
                       pid_t *ret_pid, struct cr_error **err)
{
        /* next to the daemon's own program: the two come from one build */
        _cleanup_free_ char *path = cli_sibling_program("coderunner-executor"), *fingerprint = NULL;
        _cleanup_buf_ struct cr_buf slots = CR_BUF_INIT(CR_EXECUTOR_MAX_KEEP_FDS * 12);
        char *argv[] = { NULL, (char *) "--slots", NULL, (char *) "--runtimes", NULL, (char *) "--build",
                         (char *) PACKAGE_VERSION, NULL };
        struct cr_executor_launch launch = { .argv = argv, .keep_fds = s->slot_fds, .n_keep_fds = s->n_slots };

        if (!path)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "this program's directory (/proc/self/exe)");
        for (size_t i = 0; i < s->n_slots; i++)
                (void) cr_buf_printf(&slots, "%s%u", i ? "," : "", s->slots[i]);
        fingerprint = runtimes_fingerprint(s->installed);
        argv[0] = path;
        launch.path = path;
        argv[2] = slots.data ? slots.data : (char *) "";
        argv[4] = fingerprint;
        return cr_executor_start(&launch, ret_control_fd, ret_status_fd, ret_pid, err);
}

struct executor_args {
        unsigned slots[CR_EXECUTOR_MAX_KEEP_FDS];
        size_t n_slots;
        const char *fingerprint, *build;
};

static int parse_slots(const char *list, struct executor_args *a)
{
        _cleanup_free_ char *copy = xstrdup(list);
        char *save = NULL;

        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                uint32_t v;
                if (a->n_slots >= CR_EXECUTOR_MAX_KEEP_FDS || safe_atou32(t, &v) < 0)
                        return -EINVAL;
                a->slots[a->n_slots++] = v;
        }
        return 0;
}

static bool fd_is_socket(int fd)
{
        struct stat st;

        return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int parse_args(int argc, char **argv, struct executor_args *a)
{
        for (int i = 1; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--slots") == 0 && parse_slots(argv[i + 1], a) == 0)
                        continue;
                else if (strcmp(argv[i], "--runtimes") == 0)
                        a->fingerprint = argv[i + 1];
                else if (strcmp(argv[i], "--build") == 0)
                        a->build = argv[i + 1];
                else
                        return -EINVAL;
        }
        return argc % 2 == 1 && a->fingerprint && a->build ? 0 : -EINVAL;
}

/* What the daemon checked before it forked us, checked again: we were
 * started by it (its sockets are here), from the same build, and see the
 * same runtimes it validates requests against. */
static int check_daemon(const struct executor_args *a, const struct executor_env *env, struct cr_error **err)
{
        _cleanup_free_ char *ours = runtimes_fingerprint(env->installed);

        if (strcmp(a->build, PACKAGE_VERSION) != 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "the daemon is version %s, this executor %s: install them together",
                                     a->build, PACKAGE_VERSION);
        if (strcmp(a->fingerprint, ours) != 0)
                return cr_error_make(err, ESTALE, CR_ERROR_UNAVAILABLE,
                                     "the runtimes changed while the daemon started (images imported or "
                                     "removed): start it again");
        return 0;
}

static int serve_executor(const struct executor_args *a, const struct cr_config *cfg, struct cr_error **err)
{
        struct executor_env env = {};
        struct cr_executor_config ec;
        int r;

        r = executor_env_open_runtimes(&env, cfg, err);
        if (r >= 0)
                r = check_daemon(a, &env, err);
        if (r >= 0)
                r = executor_env_open_sandbox(&env, cfg, err);
        if (r >= 0)
                r = executor_env_prepare_slots(&env, a->slots, a->n_slots, err);
        if (r >= 0) {
                ec = executor_env_config(&env, (unsigned) cfg->workers);
                r = cr_executor_keep(CR_EXECUTOR_FD_CONTROL, CR_EXECUTOR_FD_STATUS, &ec);
                if (r < 0)
                        r = cr_error_set(err, r, CR_ERROR_INTERNAL, "executor keeper");
        }
        executor_env_close(&env);
        return r;
}

int cmd_executor(int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct executor_args a = {};
        struct cr_config *cfg = NULL;
        int r;

        if (parse_args(argc, argv, &a) < 0 || !fd_is_socket(CR_EXECUTOR_FD_CONTROL) ||
            !fd_is_socket(CR_EXECUTOR_FD_STATUS)) {
                fputs(USAGE, stderr);
                return 2;
        }
        if (cr_config_load_default(cli_env_lookup, NULL, &cfg, &err) < 0) {
                log_error_err(err, "Executor: invalid configuration");
                return 2;
        }
        cli_daemon_logging(cfg);
        r = serve_executor(&a, cfg, &err);
        if (r < 0)
                log_error_err(err, "Executor");
        cr_config_free(cfg);
        return r < 0 ? 1 : 0;
}
