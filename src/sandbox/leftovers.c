/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "proc-util.h"
#include "sandbox-internal.h"

/* Cgroup leaves name the supervisor that made them, so that a supervisor
 * started later can tell which leaves nobody looks after any more:
 *
 *   cr-<pid namespace inode>-<pid>-<start time>-<slot>-<counter>
 *
 * The start time (clock ticks after boot, /proc/PID/stat field 22) tells a
 * live owner from a new process that got its pid. When the owner is gone
 * (killed: a supervisor that exits normally removes its leaves itself), its
 * sandboxes have died with it (lifeline.c), and the leaf is killed (in
 * case) and removed. Leaves of another pid namespace are never judged: the
 * pid means nothing here. Work dirs need no such sweep: they are mounted in
 * the supervisor's private mount namespace and vanish with it. */

#define LEAF_PREFIX "cr-"
#define PROC_STAT_MAX 1024
#define STAT_FIELD_STATE 3
#define STAT_FIELD_STARTTIME 22

static int read_owner(pid_t pid, struct sandbox_owner *ret, char *ret_state)
{
        char path[64], buf[PROC_STAT_MAX];
        const char *tok;
        size_t n;
        ssize_t len;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        len = read_file_at(AT_FDCWD, path, buf, sizeof(buf));
        if (len < 0)
                return (int) len;
        r = cr_proc_stat_u64(buf, STAT_FIELD_STARTTIME, &ret->start);
        if (r >= 0)
                r = cr_proc_stat_field(buf, STAT_FIELD_STATE, &tok, &n);
        if (r < 0)
                return r;
        *ret_state = n == 1 ? tok[0] : '?';
        ret->pid = pid;
        return 0;
}

static int pid_namespace(uint64_t *ret)
{
        struct stat st;

        if (stat("/proc/self/ns/pid", &st) < 0)
                return -errno;
        *ret = (uint64_t) st.st_ino;
        return 0;
}

int sandbox_owner_self(struct sandbox_owner *o)
{
        char state;
        int r;

        if (o->pid == getpid())
                return 0; /* cached; a forked worker reads its own */
        r = pid_namespace(&o->pidns);
        if (r >= 0)
                r = read_owner(getpid(), o, &state);
        return r;
}

void sandbox_leaf_name(const struct sandbox_owner *o, unsigned slot, uint64_t counter, char *buf, size_t size)
{
        snprintf(buf, size, LEAF_PREFIX "%" PRIu64 "-%d-%" PRIu64 "-%u-%" PRIu64, o->pidns, (int) o->pid,
                 o->start, slot, counter);
}

/* Parses a leaf name back into its owner; false if it is not one of ours. */
static bool parse_leaf_name(const char *name, struct sandbox_owner *ret)
{
        char buf[NAME_MAX + 1], *save = NULL;
        uint64_t v[5];
        size_t n = 0;

        if (strncmp(name, LEAF_PREFIX, strlen(LEAF_PREFIX)) != 0 || strlen(name) > NAME_MAX)
                return false;
        memcpy(buf, name + strlen(LEAF_PREFIX), strlen(name) - strlen(LEAF_PREFIX) + 1);
        if (!buf[0] || strstr(buf, "--") || buf[0] == '-' || buf[strlen(buf) - 1] == '-')
                return false; /* strtok_r would skip empty fields */
        for (char *t = strtok_r(buf, "-", &save); t; t = strtok_r(NULL, "-", &save))
                if (n == ARRAY_SIZE(v) || safe_atou64(t, &v[n++]) < 0)
                        return false;
        if (n != ARRAY_SIZE(v) || v[1] == 0 || v[1] > INT_MAX)
                return false;
        *ret = (struct sandbox_owner) { .pidns = v[0], .pid = (pid_t) v[1], .start = v[2] };
        return true;
}

static bool owner_alive(const struct sandbox_owner *o)
{
        struct sandbox_owner now;
        char state;
        int r = read_owner(o->pid, &now, &state);

        if (r == -ENOENT || r == -ESRCH)
                return false;
        if (r < 0)
                return true; /* cannot tell: leave it */
        return now.start == o->start && state != 'Z' && state != 'X';
}

struct sweep {
        struct cr_sandbox *sb;
        uint64_t pidns;
        unsigned removed;
        unsigned failed;
};

static int sweep_one(const char *name, void *userdata)
{
        struct sweep *s = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup *cg = NULL;
        struct sandbox_owner owner;
        int r;

        if (!parse_leaf_name(name, &owner) || owner.pidns != s->pidns || owner_alive(&owner))
                return 0;
        r = cr_cgroup_open(s->sb->cgroups, name, &cg, &err);
        if (r == -ENOENT) /* another supervisor removed it meanwhile */
                return 0;
        if (r >= 0)
                r = cr_cgroup_destroy(cg, &err);
        if (r < 0 && r != -ENOENT) {
                log_warning_err(err, "Cannot remove the cgroup '%s' of a dead supervisor", name);
                s->failed++;
        } else
                s->removed++;
        return 0;
}

int cr_sandbox_remove_leftovers(struct cr_sandbox *sb, unsigned *ret_removed, struct cr_error **err)
{
        struct sweep s = { .sb = sb };
        int r;

        if (ret_removed)
                *ret_removed = 0;
        if (!sb->cgroups)
                return 0;
        r = pid_namespace(&s.pidns);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read our pid namespace");
        r = cr_cgroup_list(sb->cgroups, sweep_one, &s, err);
        if (r < 0)
                return r;
        if (ret_removed)
                *ret_removed = s.removed;
        if (s.failed)
                return cr_error_make(err, EBUSY, CR_ERROR_INTERNAL, "%u cgroups of dead supervisors remain",
                                     s.failed);
        return 0;
}
