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

int netlink_setup_child(struct sandbox_run *run)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
        _cleanup_(rtnl_link_putp) struct rtnl_link *lo = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *change = NULL;
        int r;

        if (!sk)
                return child_error(run, ENOMEM, CR_ERROR_INTERNAL, "netlink socket");
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0)
                return child_error(run, EIO, CR_ERROR_INTERNAL, "netlink connect: %s", nl_geterror(r));
        r = rtnl_link_get_kernel(sk, 0, "lo", &lo);
        if (r < 0)
                return child_error(run, ENODEV, CR_ERROR_INTERNAL, "find lo: %s", nl_geterror(r));
        change = rtnl_link_alloc();
        if (!change)
                return child_error(run, ENOMEM, CR_ERROR_INTERNAL, "netlink link");
        rtnl_link_set_flags(change, IFF_UP);
        r = rtnl_link_change(sk, lo, change, 0);
        if (r < 0)
                return child_error(run, EIO, CR_ERROR_INTERNAL, "bring lo up: %s", nl_geterror(r));
        return 0;
}
