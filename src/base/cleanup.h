/* SPDX-License-Identifier: MIT */
#pragma once

/* Scope-bound cleanup in systemd's spelling. Every cleanup variable is
 * initialised at declaration (NULL or -EBADF); ownership leaves a scope only
 * through TAKE_PTR()/TAKE_FD(). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"

#define TAKE_PTR(p)                         \
        ({                                  \
                __typeof__(p) _p_ = (p);    \
                (p) = NULL;                 \
                _p_;                        \
        })

#define TAKE_FD(fd)                         \
        ({                                  \
                int _fd_ = (fd);            \
                (fd) = -EBADF;              \
                _fd_;                       \
        })

/* Defines `static inline void func##p(type *p)` calling func(*p) when set. */
#define DEFINE_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p)             \
        {                                               \
                if (*p)                                 \
                        func(*p);                       \
        }

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                /* close() errors other than EBADF are meaningless here: the
                 * fd is gone either way (Linux semantics). */
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
        *f = NULL;
}

/* Close n fds, such as those a message carried. */
static inline void close_many(const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                (void) safe_close(fds[i]);
}

/* Close a pair of fds such as a pipe or socketpair. */
static inline void close_pairp(int (*pair)[2])
{
        (*pair)[0] = safe_close((*pair)[0]);
        (*pair)[1] = safe_close((*pair)[1]);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_pair_ _cleanup_(close_pairp)
#define _cleanup_pidfd_ _cleanup_(closep)
