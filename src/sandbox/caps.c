/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "sandbox-internal.h"

/* The only includer of <sys/capability.h>. The sandboxed program keeps no
 * capability in any set: effective, permitted, inheritable, bounding and
 * ambient are all empty, no_new_privs is set, and the securebits are locked
 * so a setuid transition could never hand capabilities back. */

DEFINE_CLEANUP_FUNC(cap_t, cap_free)

int caps_keep_across_setuid(void)
{
        return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int caps_raise_effective(void)
{
        _cleanup_(cap_freep) cap_t caps = cap_get_proc();
        cap_value_t all[CAP_LAST_CAP + 1];
        int n = 0;

        if (!caps)
                return -errno;
        for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
                cap_flag_value_t v;
                if (cap_get_flag(caps, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
                        all[n++] = c;
        }
        if (n > 0 && cap_set_flag(caps, CAP_EFFECTIVE, n, all, CAP_SET) < 0)
                return -errno;
        return cap_set_proc(caps) < 0 ? -errno : 0;
}

static int drop_bounding_set(void)
{
        /* The running kernel may know more capabilities than our headers. */
        for (unsigned long c = 0; c <= 63; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        return 0;
}

int caps_setup_child(struct sandbox_run *run)
{
        _cleanup_(cap_freep) cap_t empty = NULL;
        int r;

        if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "set securebits");
        r = drop_bounding_set();
        if (r < 0)
                return child_error(run, r, CR_ERROR_INTERNAL, "drop bounding set");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return child_error(run, errno, CR_ERROR_INTERNAL, "clear ambient capabilities");
        empty = cap_init();
        if (!empty || cap_set_proc(empty) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "drop capabilities");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "set no_new_privs");
        /* Not dumpable: /proc/1/mem and ptrace of our init stay out of reach
         * of the program (same uid). The program itself becomes dumpable again
         * at execve. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "set non-dumpable");
        return 0;
}
