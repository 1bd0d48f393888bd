/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "pool.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void *rpc_pool_new(struct rpc_pool *pl, size_t n)
{
        if (pl->n == pl->alloc) {
                pl->alloc = pl->alloc ? pl->alloc * 2 : 32;
                pl->p = xrealloc(pl->p, pl->alloc * sizeof(void *));
        }
        pl->p[pl->n] = xzalloc(n ? n : 1);
        return pl->p[pl->n++];
}

char *rpc_pool_strdup(struct rpc_pool *pl, const char *s)
{
        size_t n = s ? strlen(s) : 0;
        char *c = rpc_pool_new(pl, n + 1);

        if (n)
                memcpy(c, s, n);
        return c;
}

void rpc_pool_done(struct rpc_pool *pl)
{
        for (size_t i = 0; i < pl->n; i++)
                free(pl->p[i]);
        free(pl->p);
        *pl = (struct rpc_pool) {};
}
