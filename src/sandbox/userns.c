/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "sandbox-internal.h"

/* User namespace: exactly one id is mapped, the sandbox user (1000 inside)
 * onto an unprivileged host id distinct per slot. Root inside is unmapped,
 * so nothing in the sandbox can ever act as (or own files as) any host user
 * but that one. */

int userns_setup_parent(struct sandbox_run *run, struct cr_error **err)
{
        const char *name = "setgroups";
        _cleanup_close_ int fd = -EBADF;
        char path[32], uid_map[64], gid_map[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d", (int) run->pid);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open %s", path);
        snprintf(uid_map, sizeof(uid_map), "%u %u 1\n", CR_SANDBOX_UID, (unsigned) run->host_uid);
        snprintf(gid_map, sizeof(gid_map), "%u %u 1\n", CR_SANDBOX_GID, (unsigned) run->host_gid);
        /* "allow" only so that the child can clear the supplementary groups it
         * inherited from us; it drops CAP_SETGID right after. */
        r = write_file_at(fd, name, "allow");
        if (r >= 0 && (r = write_file_at(fd, name = "uid_map", uid_map)) >= 0)
                r = write_file_at(fd, name = "gid_map", gid_map);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "write %s/%s", path, name);
        return 0;
}

int userns_setup_child(struct sandbox_run *run)
{
        /* Keep our namespace capabilities across the switch to the sandbox
         * user: the mounts below need them; caps_setup_child() drops them. */
        if (caps_keep_across_setuid() < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "keep capabilities");
        if (setgroups(0, NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "clear supplementary groups");
        if (setresgid(CR_SANDBOX_GID, CR_SANDBOX_GID, CR_SANDBOX_GID) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "setresgid");
        if (setresuid(CR_SANDBOX_UID, CR_SANDBOX_UID, CR_SANDBOX_UID) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "setresuid");
        if (caps_raise_effective() < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "raise capabilities");
        return 0;
}

int uts_setup_child(struct sandbox_run *run)
{
        if (sethostname(CR_SANDBOX_HOSTNAME, strlen(CR_SANDBOX_HOSTNAME)) < 0 ||
            setdomainname("", 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "sethostname");
        return 0;
}
