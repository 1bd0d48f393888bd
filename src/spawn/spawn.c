/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "jobspec/jobspec-pb.h"
#include "proc-util.h"
#include "wire.h"
#include "xalloc.h"

struct cr_spawner {
        int control_fd;  /* SOCK_SEQPACKET to the executor */
        int status_fd;   /* SOCK_SEQPACKET from the keeper and executor */
        pid_t pid;       /* the keeper */
};

struct cr_spawner *cr_spawner_new(int control_fd, int status_fd, pid_t pid)
{
        struct cr_spawner *sp = xzalloc(sizeof(*sp));

        sp->control_fd = control_fd;
        sp->status_fd = status_fd;
        sp->pid = pid;
        return sp;
}

/* How long the keeper gets to kill the executor and wait for what it left. */
#define STOP_TIMEOUT_MS 6000

struct cr_spawner *cr_spawner_stop(struct cr_spawner *sp)
{
        _cleanup_close_ int pidfd = -EBADF;
        struct pollfd p;

        if (!sp)
                return NULL;
        pidfd = cr_pidfd_open(sp->pid);
        /* the keeper sees the hang-up, kills the executor and returns once
         * every process below it is gone */
        sp->control_fd = safe_close(sp->control_fd);
        p = (struct pollfd) { .fd = pidfd, .events = POLLIN };
        if (pidfd < 0 || poll(&p, 1, STOP_TIMEOUT_MS) <= 0)
                (void) kill(sp->pid, SIGKILL);
        (void) waitpid(sp->pid, NULL, 0);
        safe_close(sp->status_fd);
        free(sp);
        return NULL;
}

pid_t cr_spawner_pid(const struct cr_spawner *sp)
{
        return sp->pid;
}

int cr_spawner_status_fd(const struct cr_spawner *sp)
{
        return sp->status_fd;
}

int cr_spawner_read_status(struct cr_spawner *sp, struct cr_executor_status *ret)
{
        ssize_t n = recv(sp->status_fd, ret, sizeof(*ret), MSG_DONTWAIT);

        if (n < 0)
                return errno == EINTR || errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if (n == 0)
                return -EPIPE; /* the keeper is gone */
        return n == (ssize_t) sizeof(*ret) ? 0 : -EBADMSG;
}

static int send_channel(int control_fd, int fd, struct cr_error **err)
{
        char byte = 'J', cmsgbuf[CMSG_SPACE(sizeof(int))] = {};
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cmsgbuf,
                             .msg_controllen = sizeof(cmsgbuf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        /* one datagram per job: atomic, so any thread may call this */
        if (sendmsg(control_fd, &mh, MSG_NOSIGNAL) < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "hand job to the executor");
        return 0;
}

int cr_spawner_submit(struct cr_spawner *sp, const void *spec, size_t spec_len, unsigned slot,
                      const unsigned *extra_slots, size_t n_extra_slots, struct cr_error **err)
{
        _cleanup_free_ uint32_t *extra = xzalloc((n_extra_slots + 1) * sizeof(uint32_t));
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        Coderunner__Internal__JobRequest req = CODERUNNER__INTERNAL__JOB_REQUEST__INIT;
        int r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "job channel");
        r = send_channel(sp->control_fd, sv[1], err);
        if (r < 0)
                return r;
        sv[1] = safe_close(sv[1]);
        /* the description travels as the bytes the store keeps */
        req.spec.data = (uint8_t *) spec;
        req.spec.len = spec_len;
        req.slot = slot;
        for (size_t i = 0; i < n_extra_slots; i++)
                extra[i] = extra_slots[i];
        req.extra_slots = extra;
        req.n_extra_slots = n_extra_slots;
        r = cr_wire_write(sv[0], &req.base, err);
        if (r < 0)
                return r;
        return TAKE_FD(sv[0]);
}

static int event_from_pb(const Coderunner__Internal__JobEvent *ev, struct cr_exec_event *ret, struct cr_error **err)
{
        switch (ev->event_case) {
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_COMPILE:
                ret->type = CR_EXEC_EVENT_COMPILE;
                return cr_spec_result_from_pb(ev->compile, &ret->result, err);
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_RUN:
                ret->type = CR_EXEC_EVENT_RUN;
                ret->index = ev->run->index;
                return cr_spec_result_from_pb(ev->run->result, &ret->result, err);
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_OUTPUT:
                ret->type = CR_EXEC_EVENT_OUTPUT;
                ret->index = ev->output->index;
                ret->stream = ev->output->stream == 2 ? CR_STREAM_STDERR : CR_STREAM_STDOUT;
                ret->data = xmalloc(ev->output->data.len + 1);
                memcpy(ret->data, ev->output->data.data, ev->output->data.len);
                ret->len = ev->output->data.len;
                return 0;
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_ERROR:
                return cr_error_set_raw(err, ev->error->errnum, (enum cr_error_kind) ev->error->kind,
                                        ev->error->message ? ev->error->message : "executor failure");
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_DONE:
                ret->type = CR_EXEC_EVENT_DONE;
                return 0;
        default:
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "unknown executor event");
        }
}

int cr_exec_read_event(int fd, struct cr_exec_event *ret, struct cr_error **err)
{
        _cleanup_free_ uint8_t *buf = NULL;
        Coderunner__Internal__JobEvent *ev;
        size_t n;
        int r = cr_wire_read(fd, CR_EXEC_MAX_MESSAGE, &buf, &n, err);

        if (r < 0)
                return r;
        if (n == 0)
                return cr_error_make(err, EPIPE, CR_ERROR_UNAVAILABLE, "the executor worker died");
        ev = coderunner__internal__job_event__unpack(NULL, n, buf);
        if (!ev)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed executor event");
        *ret = (struct cr_exec_event) {};
        r = event_from_pb(ev, ret, err);
        coderunner__internal__job_event__free_unpacked(ev, NULL);
        return r;
}

void cr_exec_event_done(struct cr_exec_event *ev)
{
        if (ev->type == CR_EXEC_EVENT_COMPILE || ev->type == CR_EXEC_EVENT_RUN)
                cr_sandbox_result_done(&ev->result);
        free(ev->data);
        *ev = (struct cr_exec_event) {};
}
