/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "sandbox-internal.h"
#include "xalloc.h"

/* What a slot keeps between the runs of a process that runs many
 * sandboxes one after the other (cr_sandbox_keep_between_runs(): the
 * executor's workers, tests/sandbox-loop), so that a run's result does not
 * wait for work that only the next run needs done:
 *
 *  - the run's own teardown: removing its cgroup leaf and dropping its
 *    mount namespace (the last reference is the supervisor's, so the
 *    kernel's unmounting of ~30 mounts, with its RCU grace period, is not
 *    in init's exit any more);
 *  - the next run's leaf: made fresh, with the limits of the run during
 *    which it is made, and used only by a run with the same limits (a
 *    job's tests share theirs); a run with others removes it and makes
 *    its own.
 *
 * Both happen while the next run's program runs (keep_tidy(), called by
 * supervise() once the program may start), when the supervisor waits
 * anyway. Nothing of one run reaches the next: the retired leaf is empty
 * (kept only once supervise() reaped init, which an emptied pid namespace
 * outlives by nothing) and removed, never reused; the retired mount
 * namespace has no process left in it and is only released; the spare leaf
 * has never held a process, so its counters start at zero as a new one's
 * do, and its limits are exactly the run's. At most one of each per slot
 * exists at a time.
 *
 * The state belongs to the process that made it: a forked child (a
 * worker's fan-out) finds its parent's and only forgets its copies, and the
 * sandbox's init closes them all with the supervisor's other fds.
 * cr_sandbox_release_kept() removes what is left; a process killed before
 * it leaves leaves that the next supervisor's leftover sweep removes, as it
 * does a killed run's. */

struct sandbox_kept {
        struct cr_cgroup *spare;   /* a fresh leaf for the next run, never entered */
        struct cr_cgroup_limits spare_limits; /* written into it: the last run's */
        struct cr_cgroup *retired; /* the last run's leaf, empty, to be removed */
        int retired_mntns;         /* the last run's mount namespace, to be dropped */
        uint64_t runs;             /* tidied runs in this slot, in this process */
};

/* State inherited across fork() is the parent's: forget it here. */
static void keep_own(struct cr_sandbox *sb)
{
        pid_t self = getpid();

        if (sb->keep_pid == self)
                return;
        keep_forget_in_child(sb);
        sb->keep_pid = self;
}

static struct sandbox_kept *kept_slot(struct cr_sandbox *sb, unsigned slot)
{
        keep_own(sb);
        if (slot >= sb->n_kept) {
                sb->kept = xrealloc(sb->kept, (slot + 1) * sizeof(*sb->kept));
                for (unsigned i = sb->n_kept; i <= slot; i++)
                        sb->kept[i] = (struct sandbox_kept) { .retired_mntns = -EBADF };
                sb->n_kept = slot + 1;
        }
        return &sb->kept[slot];
}

void cr_sandbox_keep_between_runs(struct cr_sandbox *sb)
{
        keep_own(sb);
        sb->keep = true;
}

/* The spare, if its limits are the run's (the usual case: a job's tests
 * share theirs); else it goes, and the run makes a leaf of its own. */
struct cr_cgroup *keep_take_spare(struct cr_sandbox *sb, unsigned slot, const struct cr_cgroup_limits *limits)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct sandbox_kept *k;

        if (!sb->keep)
                return NULL;
        k = kept_slot(sb, slot);
        if (k->spare && memcmp(&k->spare_limits, limits, sizeof(*limits)) == 0)
                return TAKE_PTR(k->spare);
        if (k->spare && cr_cgroup_destroy(k->spare, &err) < 0)
                log_warning_err(err, "Removing a spare cgroup");
        k->spare = NULL;
        return NULL;
}

void keep_note_mntns(struct sandbox_run *run)
{
        char path[64];

        if (!run->sb->keep)
                return;
        /* Not reaped yet, so the pid is still the child's. */
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) run->pid);
        run->mntns = open(path, O_RDONLY | O_CLOEXEC);
}

static void drop_retired(struct sandbox_kept *k)
{
        _cleanup_error_ struct cr_error *err = NULL;

        /* the namespace first: its tmpfs pages are charged to the leaf */
        k->retired_mntns = safe_close(k->retired_mntns);
        if (k->retired && cr_cgroup_destroy(k->retired, &err) < 0)
                log_warning_err(err, "Removing a finished run's cgroup");
        k->retired = NULL;
}

bool keep_retire(struct sandbox_run *run)
{
        struct sandbox_kept *k;

        if (!run->sb->keep || !run->cg || run->pid != 0)
                return false;
        k = kept_slot(run->sb, run->spec->slot);
        drop_retired(k); /* the run before it never reached keep_tidy() */
        k->retired = TAKE_PTR(run->cg);
        k->retired_mntns = TAKE_FD(run->mntns);
        return true;
}

void keep_tidy(struct sandbox_run *run)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_sandbox *sb = run->sb;
        struct sandbox_kept *k;
        char name[128];

        if (!sb->keep)
                return;
        k = kept_slot(sb, run->spec->slot);
        drop_retired(k);
        /* a spare only from the second run on: a process that runs one
         * sandbox in the slot would make it for nothing */
        if (k->runs++ == 0 || k->spare || !sb->cgroups || sandbox_owner_self(&sb->owner) < 0)
                return;
        sandbox_leaf_name(&sb->owner, run->spec->slot, sb->counter++, name, sizeof(name));
        sandbox_cgroup_limits(run->spec, &k->spare_limits);
        /* on failure the next run makes its own leaf, and says why if it cannot */
        (void) cr_cgroup_create(sb->cgroups, name, &k->spare_limits, &k->spare, &err);
}

void cr_sandbox_release_kept(struct cr_sandbox *sb)
{
        keep_own(sb);
        for (unsigned i = 0; i < sb->n_kept; i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct sandbox_kept *k = &sb->kept[i];

                drop_retired(k);
                if (k->spare && cr_cgroup_destroy(k->spare, &err) < 0)
                        log_warning_err(err, "Removing a spare cgroup");
                k->spare = NULL;
                k->runs = 0;
        }
}

void keep_forget_in_child(struct cr_sandbox *sb)
{
        for (unsigned i = 0; i < sb->n_kept; i++) {
                cr_cgroup_forget(sb->kept[i].spare);
                cr_cgroup_forget(sb->kept[i].retired);
                safe_close(sb->kept[i].retired_mntns);
        }
        free(sb->kept);
        sb->kept = NULL;
        sb->n_kept = 0;
}
