/* SPDX-License-Identifier: MIT */
#pragma once

/* Everything one response points to, allocated here and freed in one go
 * after it is sent (protobuf-c messages are trees of pointers). Internal
 * to rpc/. */

#include <stddef.h>
#include <stdint.h>

struct rpc_pool {
        void **p;
        size_t n, alloc;
};

void *rpc_pool_new(struct rpc_pool *pl, size_t n);
char *rpc_pool_strdup(struct rpc_pool *pl, const char *s);
void rpc_pool_done(struct rpc_pool *pl);
