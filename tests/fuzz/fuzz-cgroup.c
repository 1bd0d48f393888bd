/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "proc-util.h"
#include "sandbox/cgroup-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The cgroup parsers take kernel-written text: /proc/self/cgroup, flat-keyed
 * files (memory.events, cpu.stat, memory.oom_control), single values,
 * controller lists and cgroup.procs; and /proc/PID/stat. Every input goes through all of them;
 * results are checked for the invariants callers rely on. */

/* Independent of cr_cgroup_path_is_valid(): relative, no "", "." or "..". */
static int component_safe(const char *path)
{
        const char *p = path;

        if (path[0] == 0)
                return 1;
        for (;;) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return 0;
                if (p[n] == 0)
                        return 1;
                p += n + 1;
        }
}

static void proc_self(const char *s)
{
        static const char *const controllers[] = {"memory", "pids", "cpu", "cpuacct", "freezer", NULL};

        for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
                _cleanup_free_ char *list = NULL, *path = NULL;
                uint32_t id;

                if (cr_cgroup_parse_proc_self(s, controllers[i], &id, &list, &path) < 0)
                        continue;
                /* A parsed path is always safe to open beneath our own cgroup. */
                if (!component_safe(path))
                        abort();
                if (!controllers[i] && (id != 0 || list[0] != 0))
                        abort();
        }
}

/* /proc/PID/stat of another process (the leftover sweep reads those of
 * pids that may have been reused by anything): a field is a non-empty token
 * inside the input, without separators. */
static void proc_stat(const char *s)
{
        static const unsigned fields[] = {3, 4, 22, 51};
        size_t len = strlen(s);

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                const char *tok;
                size_t n;
                uint64_t v;

                (void)cr_proc_stat_u64(s, fields[i], &v);
                if (cr_proc_stat_field(s, fields[i], &tok, &n) < 0)
                        continue;
                if (n == 0 || tok < s || tok + n > s + len || memchr(tok, ' ', n) || memchr(tok, '\n', n))
                        abort();
        }
}

static void values(const char *s)
{
        static const char *const keys[] = {"oom_kill", "max", "usage_usec", "frozen", "populated"};
        pid_t pids[64];
        size_t n = 0;
        uint64_t v;

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                (void)cr_cgroup_parse_keyed(s, keys[i], &v);
        (void)cr_cgroup_parse_u64(s, &v);
        if (cr_cgroup_parse_controllers(s) & ~(unsigned)(CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPU))
                abort();
        for (int truncated = 0; truncated < 2; truncated++)
                if (cr_cgroup_parse_pids(s, truncated, pids, sizeof(pids) / sizeof(pids[0]), &n) >= 0)
                        for (size_t i = 0; i < n; i++)
                                if (pids[i] <= 0)
                                        abort();
        (void)cr_cgroup_name_is_valid(s);
        proc_stat(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *s = NULL;

        if (size > 256 * 1024)
                return 0;
        /* The parsers take NUL-terminated file contents, as read_file_at() gives. */
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        proc_self(s);
        values(s);
        return 0;
}
