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
#include "executor/executor.h"
#include "fd-util.h"
#include "proc-util.h"
#include "wire.h"
#include "xalloc.h"

struct cr_spawner {
        int control_fd;  /* SOCK_SEQPACKET to the executor */
        int status_fd;   /* SOCK_SEQPACKET from the keeper and executor */
        pid_t pid;       /* the keeper */
};

int cr_spawner_start(const struct cr_executor_config *cfg, struct cr_spawner **ret, struct cr_error **err)
{
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF }, st[2] = { -EBADF, -EBADF };
        pid_t daemon = getpid(), pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "executor socketpair");
        pid = fork();
        if (pid < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "fork executor keeper");
        if (pid == 0) {
                /* the keeper, the executor, its workers and their sandboxes
                 * die with us */
                if (cr_die_with_parent(daemon) < 0)
                        _exit(1);
                safe_close(sv[0]);
                safe_close(st[0]);
                _exit(cr_executor_keep(sv[1], st[1], cfg) < 0 ? 1 : 0);
        }
        *ret = xzalloc(sizeof(**ret));
        (*ret)->control_fd = TAKE_FD(sv[0]);
        (*ret)->status_fd = TAKE_FD(st[0]);
        (*ret)->pid = pid;
        return 0;
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

struct request_pb {
        Coderunner__Internal__JobRequest req;
        Coderunner__Internal__Step compile, run;
        Coderunner__Internal__Limits compile_limits, run_limits;
        Coderunner__Internal__Run *run_ptrs;
        Coderunner__Internal__Run **runs;
};

static size_t strv_len(const char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static void step_to_pb(const char *const *argv, const struct cr_sandbox_limits *l, Coderunner__Internal__Step *s,
                       Coderunner__Internal__Limits *pl)
{
        coderunner__internal__step__init(s);
        s->argv = (char **) argv;
        s->n_argv = strv_len(argv);
        cr_wire_limits_to_pb(l, pl);
        s->limits = pl;
}

static void request_to_pb(const struct cr_exec_request *r, struct request_pb *p)
{
        coderunner__internal__job_request__init(&p->req);
        p->req.rootfs = (char *) r->rootfs;
        p->req.env = (char **) r->env;
        p->req.n_env = strv_len(r->env);
        p->req.source_file = (char *) r->source_file;
        p->req.source.data = (uint8_t *) r->source;
        p->req.source.len = r->source_len;
        if (r->compile_argv) {
                step_to_pb(r->compile_argv, &r->compile_limits, &p->compile, &p->compile_limits);
                p->req.compile = &p->compile;
        }
        step_to_pb(r->run_argv, &r->run_limits, &p->run, &p->run_limits);
        p->req.run = &p->run;
        p->run_ptrs = xzalloc(MAX(r->n_runs, (size_t) 1) * sizeof(*p->run_ptrs));
        p->runs = xzalloc(MAX(r->n_runs, (size_t) 1) * sizeof(*p->runs));
        for (size_t i = 0; i < r->n_runs; i++) {
                coderunner__internal__run__init(&p->run_ptrs[i]);
                p->run_ptrs[i].stdin.data = (uint8_t *) r->runs[i].stdin_data;
                p->run_ptrs[i].stdin.len = r->runs[i].stdin_len;
                p->run_ptrs[i].args = (char **) r->runs[i].args;
                p->run_ptrs[i].n_args = strv_len(r->runs[i].args);
                p->runs[i] = &p->run_ptrs[i];
        }
        p->req.runs = p->runs;
        p->req.n_runs = r->n_runs;
        p->req.stream_output = r->stream_output;
        p->req.slot = r->slot;
        p->req.seccomp_profile = (char *) (r->seccomp_profile ? r->seccomp_profile : "default");
}

int cr_spawner_submit(struct cr_spawner *sp, const struct cr_exec_request *req, struct cr_error **err)
{
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        struct request_pb p;
        int r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "job channel");
        r = send_channel(sp->control_fd, sv[1], err);
        if (r < 0)
                return r;
        sv[1] = safe_close(sv[1]);
        request_to_pb(req, &p);
        r = cr_wire_write(sv[0], &p.req.base, err);
        free(p.run_ptrs);
        free(p.runs);
        if (r < 0)
                return r;
        return TAKE_FD(sv[0]);
}

static int event_from_pb(const Coderunner__Internal__JobEvent *ev, struct cr_exec_event *ret, struct cr_error **err)
{
        switch (ev->event_case) {
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_COMPILE:
                ret->type = CR_EXEC_EVENT_COMPILE;
                return cr_wire_result_from_pb(ev->compile, &ret->result, err);
        case CODERUNNER__INTERNAL__JOB_EVENT__EVENT_RUN:
                ret->type = CR_EXEC_EVENT_RUN;
                ret->index = ev->run->index;
                return cr_wire_result_from_pb(ev->run->result, &ret->result, err);
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
