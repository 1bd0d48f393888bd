/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fanout.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "proc-util.h"
#include "spawn/wire.h"
#include "xalloc.h"

/* One child per running task, at most one per slot: a slot's host ids,
 * cgroup and network namespace are never shared by two live sandboxes.
 * Each child supervises its own sandbox exactly as the worker would (its
 * limits, its seccomp filter, its lifeline); it dies with the worker. */

struct child {
        pid_t pid;                      /* 0: the slot is free */
        int fd;
        unsigned index;
};

struct fanout {
        const struct cr_fanout *f;
        struct child *children;         /* one per slot */
        uint8_t **frames;               /* per task, until delivered */
        size_t *lens;
        bool *ended;                    /* per task: its child is gone */
        unsigned next, delivered, running;
        bool stop, cancelled;
        struct cr_error *error;         /* the first failure */
};

static void fail(struct fanout *st, struct cr_error *e)
{
        st->stop = true;
        if (!st->error)
                st->error = e;
        else
                cr_error_free(e);
}

static int start_task(struct fanout *st, struct child *c, unsigned slot)
{
        int sv[2];
        pid_t parent = getpid(), pid;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                safe_close(sv[0]);
                safe_close(sv[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(sv[0]);
                if (cr_die_with_parent(parent) < 0)
                        _exit(1);
                _exit(st->f->run(st->f->userdata, st->next, slot, sv[1]));
        }
        safe_close(sv[1]);
        *c = (struct child) { .pid = pid, .fd = sv[0], .index = st->next++ };
        st->running++;
        return 0;
}

static void start_tasks(struct fanout *st)
{
        for (size_t i = 0; i < st->f->n_slots && !st->stop && st->next < st->f->n_tasks; i++) {
                struct cr_error *e = NULL;
                int r;

                if (st->children[i].pid > 0)
                        continue;
                r = start_task(st, &st->children[i], st->f->slots[i]);
                if (r < 0) {
                        (void) cr_error_set(&e, -r, CR_ERROR_INTERNAL, "start test %u", st->next);
                        fail(st, e);
                }
        }
}

/* The child wrote its frame and exits; a child that died first (killed
 * with the worker's group, out of memory) left none: the job fails as it
 * would have had the worker itself died. */
static void collect(struct fanout *st, struct child *c)
{
        struct cr_error *e = NULL;
        uint8_t *buf = NULL;
        size_t len = 0;

        if (cr_wire_read(c->fd, CR_EXEC_MAX_MESSAGE, &buf, &len, &e) >= 0 && len == 0)
                (void) cr_error_make(&e, EPROTO, CR_ERROR_INTERNAL, "test %u ended without a result", c->index);
        if (e)
                fail(st, e);
        st->frames[c->index] = buf;
        st->lens[c->index] = len;
        st->ended[c->index] = true;
        safe_close(c->fd);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        *c = (struct child) { .fd = -EBADF };
        st->running--;
}

static void deliver_ready(struct fanout *st)
{
        while (!st->error && st->delivered < st->f->n_tasks && st->ended[st->delivered]) {
                unsigned i = st->delivered++;
                struct cr_error *e = NULL;

                if (st->f->deliver(st->f->userdata, i, st->frames[i], st->lens[i], &e) < 0)
                        fail(st, e);
                free(st->frames[i]);
                st->frames[i] = NULL;
        }
}

static void wait_any(struct fanout *st)
{
        size_t n = st->f->n_slots;
        _cleanup_free_ struct pollfd *p = xzalloc((n + 1) * sizeof(*p));

        for (size_t i = 0; i < n; i++)
                p[i] = (struct pollfd) { .fd = st->children[i].pid > 0 ? st->children[i].fd : -1, .events = POLLIN };
        p[n] = (struct pollfd) { .fd = st->cancelled ? -1 : st->f->cancel_fd, .events = POLLIN | POLLRDHUP };
        if (poll(p, n + 1, -1) < 0)
                return; /* EINTR: look again */
        if (p[n].revents) {
                /* the running sandboxes watch the same fd and end themselves */
                st->cancelled = st->stop = true;
        }
        for (size_t i = 0; i < n; i++)
                if (p[i].revents)
                        collect(st, &st->children[i]);
}

int cr_fanout_run(const struct cr_fanout *f, struct cr_error **err)
{
        struct fanout st = {
                .f = f,
                .children = xzalloc(f->n_slots * sizeof(struct child)),
                .frames = xzalloc(f->n_tasks * sizeof(uint8_t *)),
                .lens = xzalloc(f->n_tasks * sizeof(size_t)),
                .ended = xzalloc(f->n_tasks * sizeof(bool)),
        };
        int r = 0;

        for (;;) {
                start_tasks(&st);
                if (st.running == 0)
                        break;
                wait_any(&st);
                deliver_ready(&st);
        }
        if (st.error) {
                *err = st.error;
                r = -EIO;
        } else if (st.delivered < f->n_tasks)
                r = cr_error_make(err, ECANCELED, CR_ERROR_CANCELLED, "job cancelled");
        for (unsigned i = 0; i < f->n_tasks; i++)
                free(st.frames[i]);
        free(st.frames);
        free(st.lens);
        free(st.ended);
        free(st.children);
        return r;
}
