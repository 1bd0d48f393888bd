/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "sandbox-internal.h"

/* The only includer of the libnl headers. The sandbox's network namespace has
 * nothing but loopback; programs that talk to themselves over 127.0.0.1
 * need it up. */

DEFINE_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)

/* Brings lo up in the caller's network namespace. On failure returns
 * -errno, *what names the step and *why is libnl's reason (or ""). */
static int loopback_up(const char **what, const char **why)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
        _cleanup_(rtnl_link_putp) struct rtnl_link *lo = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *change = NULL;
        int r;

        *why = "";
        *what = "netlink socket";
        if (!sk)
                return -ENOMEM;
        *what = "netlink connect";
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                *why = nl_geterror(r);
                return -EIO;
        }
        *what = "find lo";
        r = rtnl_link_get_kernel(sk, 0, "lo", &lo);
        if (r < 0) {
                *why = nl_geterror(r);
                return -ENODEV;
        }
        *what = "netlink link";
        change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        *what = "bring lo up";
        rtnl_link_set_flags(change, IFF_UP);
        r = rtnl_link_change(sk, lo, change, 0);
        if (r < 0) {
                *why = nl_geterror(r);
                return -EIO;
        }
        return 0;
}

int netlink_setup_child(struct sandbox_run *run)
{
        const char *what, *why;
        int r;

        if (run->netns_joined) /* the slot's: lo is up, and not ours to change */
                return 0;
        r = loopback_up(&what, &why);
        if (r < 0)
                return child_error(run, -r, CR_ERROR_INTERNAL, "%s%s%s", what, *why ? ": " : "", why);
        return 0;
}

int netlink_loopback_up(struct cr_error **err)
{
        const char *what, *why;
        int r = loopback_up(&what, &why);

        if (r < 0)
                return cr_error_make(err, -r, CR_ERROR_INTERNAL, "%s%s%s", what, *why ? ": " : "", why);
        return 0;
}
