/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-error.h"
#include "error.h"
#include "fd-util.h"
#include "macro.h"
#include "proc-util.h"
#include "sandbox-internal.h"

/* The sandbox's init is a fork of the supervisor that never execs, so its
 * command line and environment were the supervisor's: /proc/1/cmdline,
 * which any process may read, showed the host's paths, --env values and
 * the source file's host path to the program.
 *
 * Before the program starts, init zeroes the strings of its argv and
 * environment, and points both at a fresh page that holds only "cr-init"
 * (PR_SET_MM_MAP: no privilege needed, but a kernel built without
 * CONFIG_CHECKPOINT_RESTORE lacks it; then "cr-init" is written over the
 * zeroed argv and only the length of the host's command line still shows).
 * Its comm becomes "cr-init" too.
 *
 * Exec'ing a separate init binary instead would leave nothing of the
 * supervisor in the sandbox at all, but costs an execve per run and a static
 * binary to ship and find. What stays is unreadable to the program: init is
 * not dumpable, so /proc/1/environ, /proc/1/mem, maps and auxv refuse it
 * (tests/integration/test_breaks.py reads everything it can). */

#define TITLE "cr-init"

enum stat_field {
        STAT_START_CODE = 26,
        STAT_END_CODE = 27,
        STAT_START_STACK = 28,
        STAT_START_DATA = 45,
        STAT_END_DATA = 46,
        STAT_START_BRK = 47,
        STAT_ARG_START = 48,
        STAT_ARG_END = 49,
        STAT_ENV_START = 50,
        STAT_ENV_END = 51,
};

/* The supervisor's layout, read by the supervisor before it clones init
 * (proctitle_prepare_parent()): init is a fork of it, with the same
 * addresses, and is spared reading /proc/self/stat on every run. */
static struct prctl_mm_map supervisor_layout;
static pid_t supervisor_layout_pid;

static int read_layout(struct prctl_mm_map *m)
{
        static const struct {
                enum stat_field field;
                size_t offset;
        } fields[] = {
                { STAT_START_CODE, offsetof(struct prctl_mm_map, start_code) },
                { STAT_END_CODE, offsetof(struct prctl_mm_map, end_code) },
                { STAT_START_STACK, offsetof(struct prctl_mm_map, start_stack) },
                { STAT_START_DATA, offsetof(struct prctl_mm_map, start_data) },
                { STAT_END_DATA, offsetof(struct prctl_mm_map, end_data) },
                { STAT_START_BRK, offsetof(struct prctl_mm_map, start_brk) },
                { STAT_ARG_START, offsetof(struct prctl_mm_map, arg_start) },
                { STAT_ARG_END, offsetof(struct prctl_mm_map, arg_end) },
                { STAT_ENV_START, offsetof(struct prctl_mm_map, env_start) },
                { STAT_ENV_END, offsetof(struct prctl_mm_map, env_end) },
        };
        char buf[1024];
        ssize_t n = read_file_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf));

        if (n < 0)
                return (int) n;
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                int r = cr_proc_stat_u64(buf, fields[i].field, (uint64_t *) ((char *) m + fields[i].offset));
                if (r < 0)
                        return r;
        }
        if (m->arg_start > m->arg_end || m->env_start > m->env_end)
                return -EINVAL;
        m->brk = (uint64_t) syscall(SYS_brk, 0UL);
        m->exe_fd = (uint32_t) -1;
        return 0;
}

static size_t strv_size(const char *const *v, size_t *ret_n)
{
        size_t size = 0, n = 0;

        for (; v[n]; n++)
                size += strlen(v[n]) + 1;
        *ret_n = n;
        return size + (n + 1) * sizeof(char *);
}

/* Copies a NULL-terminated string vector to *area (advanced past it). */
static const char *const *strv_copy(const char *const *v, size_t n, char **area)
{
        const char **out = (const char **) (void *) *area;
        char *p = *area + (n + 1) * sizeof(char *);

        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(v[i]) + 1;

                memcpy(p, v[i], len);
                out[i] = p;
                p += len;
        }
        out[n] = NULL;
        *area = p + (-(uintptr_t) p & (sizeof(char *) - 1)); /* align the next vector */
        return out;
}

/* The program's argv and environment may point into our own argv (the
 * CLI's arguments after "--"): they move to a fresh mapping, which also
 * holds the title, before the old strings are zeroed. */
static int relocate(struct sandbox_run *run, char **ret_title)
{
        size_t n_argv, n_envp;
        size_t size = sizeof(TITLE) + strv_size(run->argv, &n_argv) + strv_size(run->envp, &n_envp) +
                      2 * sizeof(char *);
        char *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;

        if (area == MAP_FAILED)
                return -errno;
        memcpy(area, TITLE, sizeof(TITLE));
        p = area + sizeof(TITLE);
        p += -(uintptr_t) p & (sizeof(char *) - 1);
        run->argv = strv_copy(run->argv, n_argv, &p);
        run->envp = strv_copy(run->envp, n_envp, &p);
        *ret_title = area;
        return 0;
}

/* Points argv at `title` and the environment at nothing. */
static int set_mm_args(struct prctl_mm_map m, const char *title, size_t size)
{
        m.arg_start = (uint64_t) (uintptr_t) title;
        m.arg_end = m.env_start = m.env_end = m.arg_start + size;
        return prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m), 0) < 0 ? -errno : 0;
}

void proctitle_prepare_parent(void)
{
        pid_t self = getpid();

        if (supervisor_layout_pid != self && read_layout(&supervisor_layout) >= 0)
                supervisor_layout_pid = self;
}

int proctitle_scrub_child(struct sandbox_run *run)
{
        struct prctl_mm_map m = supervisor_layout;
        char *old_args, *title = NULL;
        size_t old_len;
        /* ours unless the supervisor could not read it (its pid is not ours:
         * we are its clone) */
        int r = supervisor_layout_pid == 0 ? read_layout(&m) : 0;

        m.brk = (uint64_t) syscall(SYS_brk, 0UL); /* ours: it moves */

        if (r < 0)
                return child_error(run, r, CR_ERROR_INTERNAL, "read the memory layout in /proc/self/stat");
        /* Anonymous memory: /proc/PID/cmdline reads no file-backed page. */
        r = relocate(run, &title);
        if (r < 0)
                return child_error(run, r, CR_ERROR_INTERNAL, "copy the program's arguments");
        old_args = (char *) (uintptr_t) m.arg_start;
        old_len = (size_t) (m.arg_end - m.arg_start);
        memset(old_args, 0, old_len);
        memset((void *) (uintptr_t) m.env_start, 0, (size_t) (m.env_end - m.env_start));
        if (set_mm_args(m, title, sizeof(TITLE)) < 0 && old_len >= sizeof(TITLE))
                memcpy(old_args, TITLE, sizeof(TITLE)); /* only the length of the old line shows */
        if (prctl(PR_SET_NAME, TITLE, 0, 0, 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "set the process name");
        return 0;
}
