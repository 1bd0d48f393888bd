/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "proc-util.h"
#include "seccomp.h"
#include "sandbox-internal.h"
#include "xalloc.h"

#define FEED_SIZE 65536

/* Supervises one running sandbox in an epoll loop: feeds stdin, collects
 * bounded output, enforces the wall clock (timerfd) and CPU time (polled from
 * the cgroup), and turns what happened into a verdict. Any limit kills pid 1
 * of the sandbox, which takes the whole pid namespace with it. */

#define CPU_POLL_MS 20
/* Once pid 1 is gone, every writer of our pipes is gone too; this bounds the
 * wait for EOF anyway, in case of a kernel that behaves otherwise. */
#define DRAIN_TIMEOUT_MS 2000

enum watch {
        WATCH_PIDFD,
        WATCH_SYNC,
        WATCH_STDIN,
        WATCH_FEED,
        WATCH_STDOUT,
        WATCH_STDERR,
        WATCH_WALL,
        WATCH_TICK,
        WATCH_CANCEL,
        WATCH_SECCOMP,
        _WATCH_MAX,
};

struct supervisor {
        struct sandbox_run *run;            /* not owned */
        struct cr_sandbox_result *res;      /* not owned */
        int epfd;
        int wall_timer;
        int tick_timer;
        int fds[_WATCH_MAX];                /* not owned except the timers and the listener */
        int listener;                       /* seccomp notifications (seccomp-notify.c), owned */
        size_t stdin_off;
        /* stdin streamed from spec->stdin_stream_fd: one chunk at a time,
         * read only when the previous one reached the program's pipe;
         * FEED_SIZE bytes, allocated only then (zeroing it with the rest
         * of the struct on every run faulted in 16 fresh stack pages in
         * the CLI) */
        char *feed;
        size_t feed_len, feed_off;
        uint64_t fed;
        bool exited;
        enum cr_limit_kind killed_for;
        bool have_status;
        int status;
        bool child_failed;
        bool cancelled;
        struct sync_msg failure;
        bool violated;
        struct cr_seccomp_violation violation;
};

static int watch_add(struct supervisor *s, enum watch w, int fd, uint32_t events)
{
        struct epoll_event ev = { .events = events, .data.u32 = w };

        s->fds[w] = fd;
        return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void watch_del(struct supervisor *s, enum watch w)
{
        if (s->fds[w] >= 0)
                (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->fds[w], NULL);
        s->fds[w] = -EBADF;
}

static int arm_timer(int fd, uint64_t first_ms, uint64_t interval_ms)
{
        struct itimerspec its = {
                .it_value = { .tv_sec = (time_t) (first_ms / 1000), .tv_nsec = (long) (first_ms % 1000) * 1000000L },
                .it_interval = { .tv_sec = (time_t) (interval_ms / 1000),
                                 .tv_nsec = (long) (interval_ms % 1000) * 1000000L },
        };
        return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static void kill_sandbox(struct supervisor *s, enum cr_limit_kind why)
{
        if (s->killed_for == CR_LIMIT_NONE && !s->exited)
                s->killed_for = why;
        (void) cr_pidfd_send_signal(s->run->pidfd, SIGKILL);
}

static void on_output(struct supervisor *s, enum watch w)
{
        enum cr_sandbox_stream stream = w == WATCH_STDOUT ? CR_STREAM_STDOUT : CR_STREAM_STDERR;
        struct cr_buf *b = w == WATCH_STDOUT ? &s->res->out : &s->res->err;
        bool *truncated = w == WATCH_STDOUT ? &s->res->stdout_truncated : &s->res->stderr_truncated;
        char chunk[65536];
        ssize_t n = read(s->fds[w], chunk, sizeof(chunk));
        size_t dropped;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                watch_del(s, w);
                return;
        }
        dropped = cr_buf_append_truncate(b, chunk, (size_t) n);
        if (s->run->spec->on_output && (size_t) n > dropped)
                s->run->spec->on_output(s->run->spec->userdata, stream, chunk, (size_t) n - dropped);
        if (dropped) {
                *truncated = true;
                kill_sandbox(s, CR_LIMIT_OUTPUT);
                watch_del(s, w); /* the pipe closes with the sandbox */
        }
}

static void on_stdin(struct supervisor *s)
{
        const struct cr_sandbox_spec *spec = s->run->spec;
        size_t left = spec->stdin_len - s->stdin_off;
        ssize_t n = left ? write(s->fds[WATCH_STDIN], (const char *) spec->stdin_data + s->stdin_off,
                                 MIN(left, (size_t) 65536)) : 0;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n > 0)
                s->stdin_off += (size_t) n;
        /* Done, or the program closed its stdin (EPIPE): that is its right. */
        if (n < 0 || s->stdin_off >= spec->stdin_len) {
                watch_del(s, WATCH_STDIN);
                s->run->in[1] = safe_close(s->run->in[1]);
        }
}

static void close_program_stdin(struct supervisor *s)
{
        watch_del(s, WATCH_STDIN);
        watch_del(s, WATCH_FEED);
        s->run->in[1] = safe_close(s->run->in[1]);
}

/* Writes the pending chunk; while the pipe is full, waits for it instead of
 * reading more from the source. */
static void feed_flush(struct supervisor *s)
{
        const struct cr_sandbox_spec *spec = s->run->spec;
        ssize_t n = write(s->run->in[1], s->feed + s->feed_off, s->feed_len - s->feed_off);

        if (n < 0 && errno != EAGAIN && errno != EINTR) {
                close_program_stdin(s); /* EPIPE: the program closed its stdin */
                return;
        }
        if (n > 0)
                s->feed_off += (size_t) n;
        if (s->feed_off < s->feed_len) {
                if (s->fds[WATCH_STDIN] < 0) {
                        watch_del(s, WATCH_FEED);
                        (void) watch_add(s, WATCH_STDIN, s->run->in[1], EPOLLOUT);
                }
                return;
        }
        s->feed_len = s->feed_off = 0;
        if (s->fed >= spec->stdin_stream_max) {
                s->res->stdin_truncated = true;
                close_program_stdin(s);
        } else if (s->fds[WATCH_FEED] < 0) {
                watch_del(s, WATCH_STDIN);
                (void) watch_add(s, WATCH_FEED, spec->stdin_stream_fd, EPOLLIN);
        }
}

static void on_feed(struct supervisor *s)
{
        const struct cr_sandbox_spec *spec = s->run->spec;
        size_t room = (size_t) MIN((uint64_t) FEED_SIZE, spec->stdin_stream_max - s->fed);
        ssize_t n = read(spec->stdin_stream_fd, s->feed, room);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) { /* end of input (or a broken source): the program sees EOF */
                close_program_stdin(s);
                return;
        }
        s->fed += (uint64_t) n;
        s->feed_len = (size_t) n;
        s->feed_off = 0;
        feed_flush(s);
}

/* A set-up failure the supervisor saw itself (the child reports its own). */
static void setup_failed(struct supervisor *s, const char *why)
{
        if (s->child_failed)
                return;
        s->failure = (struct sync_msg) { .type = SYNC_ERROR, .errnum = EPROTO, .kind = CR_ERROR_INTERNAL };
        snprintf(s->failure.msg, sizeof(s->failure.msg), "%s", why);
        s->child_failed = true;
}

/* init installed its filter with a listener, and its helper sent it
 * (listener.c): keep it. init does not wait for us to say so (the message
 * kept the listener open, so a would-be kill waits in the kernel until we
 * read it). Without it, a would-be kill would fail with ENOSYS instead: the
 * run is killed and fails with an error saying why. */
static void on_listener(struct supervisor *s, int fd)
{
        bool ok = fd >= 0 && s->listener < 0;

        if (ok) {
                s->listener = fd; /* ours now, closed when supervise() ends */
                ok = watch_add(s, WATCH_SECCOMP, s->listener, EPOLLIN) >= 0;
        } else
                safe_close(fd);
        if (!ok) {
                setup_failed(s, "the sandbox's seccomp listener did not arrive");
                kill_sandbox(s, CR_LIMIT_NONE);
        } else /* the program starts: we only wait from here on */
                keep_tidy(s->run);
}

/* `events` as epoll reported them: once every task under the filter has
 * exited the listener polls EPOLLHUP for good and each receive fails with
 * ENOENT at once, which without the check below spun this loop (a thousand
 * rounds a run) until the pid namespace's init was reaped. A lone ENOENT
 * without the hang-up is the notifying task killed meanwhile. */
static void on_seccomp(struct supervisor *s, uint32_t events)
{
        struct cr_seccomp_violation v;
        int r = cr_seccomp_notification_receive(s->listener, &v);

        if (r < 0) {
                if ((r != -EINTR && r != -ENOENT) || (events & EPOLLHUP))
                        watch_del(s, WATCH_SECCOMP); /* hung up: nobody is left under the filter */
                return;
        }
        if (!s->violated) {
                s->violation = v;
                s->violated = true;
        }
        kill_sandbox(s, CR_LIMIT_NONE);
}

static void on_sync(struct supervisor *s)
{
        struct sync_msg msg;
        int fd = -EBADF;
        size_t nfds;
        /* only SYNC_LISTENER carries a descriptor: one, or none is taken */
        ssize_t n = sync_recv_fds(s->fds[WATCH_SYNC], &msg, MSG_DONTWAIT, &fd, 1, &nfds);

        /* ECONNRESET: the child exited with a message of ours unread (an
         * ATTACHED it did not wait for, having failed first). The socket
         * reports that once, before what the child sent, which is still
         * queued: the next round reads it. */
        if (n == -EAGAIN || n == -EINTR || n == -ECONNRESET)
                return;
        if (n == -EBADMSG) { /* not what the sandbox's own code sends */
                setup_failed(s, "a set-up message of the sandbox came with the wrong descriptors");
                kill_sandbox(s, CR_LIMIT_NONE);
                return;
        }
        if (n == (ssize_t) sizeof(msg) && msg.type == SYNC_LISTENER) {
                on_listener(s, fd);
                return;
        }
        safe_close(fd); /* only the listener comes with one */
        if (n != (ssize_t) sizeof(msg)) {
                watch_del(s, WATCH_SYNC);
                return;
        }
        if (msg.type == SYNC_ERROR && !s->child_failed) {
                msg.msg[sizeof(msg.msg) - 1] = 0;
                s->failure = msg;
                s->child_failed = true;
        } else if (msg.type == SYNC_EXIT) {
                s->status = msg.status;
                s->have_status = true;
        }
}

static void on_tick(struct supervisor *s)
{
        uint64_t ticks, cpu_ns;

        (void) !read(s->tick_timer, &ticks, sizeof(ticks));
        if (!s->run->cg || cr_cgroup_read_cpu_ns(s->run->cg, &cpu_ns) < 0)
                return;
        if (cpu_ns / 1000000ULL >= s->run->spec->limits.cpu_time_ms)
                kill_sandbox(s, CR_LIMIT_CPU);
}

static void on_exit_seen(struct supervisor *s)
{
        s->exited = true;
        s->res->wall_ms = (now_ns() - s->run->start_ns) / 1000000ULL;
        watch_del(s, WATCH_PIDFD);
        watch_del(s, WATCH_STDIN);
        watch_del(s, WATCH_FEED);
        watch_del(s, WATCH_TICK);
        watch_del(s, WATCH_CANCEL);
        watch_del(s, WATCH_SECCOMP);
        /* reuse the wall timer as the drain deadline */
        (void) arm_timer(s->wall_timer, DRAIN_TIMEOUT_MS, 0);
}

static void dispatch(struct supervisor *s, enum watch w, uint32_t events)
{
        uint64_t ticks;

        switch (w) {
        case WATCH_PIDFD:
                on_exit_seen(s);
                break;
        case WATCH_SYNC:
                on_sync(s);
                break;
        case WATCH_STDIN:
                if (s->run->spec->stdin_stream_fd > 0)
                        feed_flush(s);
                else
                        on_stdin(s);
                break;
        case WATCH_FEED:
                on_feed(s);
                break;
        case WATCH_STDOUT:
        case WATCH_STDERR:
                on_output(s, w);
                break;
        case WATCH_WALL:
                (void) !read(s->wall_timer, &ticks, sizeof(ticks));
                if (s->exited) { /* drain deadline: give up on the pipes */
                        watch_del(s, WATCH_STDOUT);
                        watch_del(s, WATCH_STDERR);
                        watch_del(s, WATCH_SYNC);
                } else
                        kill_sandbox(s, CR_LIMIT_WALL);
                break;
        case WATCH_TICK:
                on_tick(s);
                break;
        case WATCH_SECCOMP:
                on_seccomp(s, events);
                break;
        case WATCH_CANCEL:
                /* the job's owner went away: nobody wants this result */
                s->cancelled = true;
                watch_del(s, WATCH_CANCEL);
                kill_sandbox(s, CR_LIMIT_NONE);
                break;
        default:
                break;
        }
}

static bool finished(const struct supervisor *s)
{
        return s->exited && s->fds[WATCH_STDOUT] < 0 && s->fds[WATCH_STDERR] < 0 && s->fds[WATCH_SYNC] < 0;
}

static int supervisor_init(struct supervisor *s, struct cr_error **err)
{
        struct sandbox_run *run = s->run;
        const struct cr_sandbox_limits *l = &run->spec->limits;
        int r = 0;

        for (size_t i = 0; i < _WATCH_MAX; i++)
                s->fds[i] = -EBADF;
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        s->wall_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        s->tick_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (s->epfd < 0 || s->wall_timer < 0 || s->tick_timer < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "supervisor fds");
        if (fd_set_nonblock(run->in[1], 1) < 0 || fd_set_nonblock(run->out[0], 1) < 0 ||
            fd_set_nonblock(run->err[0], 1) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "non-blocking pipes");

        r = arm_timer(s->wall_timer, l->wall_time_ms, 0);
        if (r >= 0)
                r = arm_timer(s->tick_timer, MIN((uint64_t) CPU_POLL_MS, l->cpu_time_ms), CPU_POLL_MS);
        if (r >= 0)
                r = watch_add(s, WATCH_PIDFD, run->pidfd, EPOLLIN);
        if (r >= 0)
                r = watch_add(s, WATCH_SYNC, run->sync[0], EPOLLIN);
        if (r >= 0)
                r = watch_add(s, WATCH_STDOUT, run->out[0], EPOLLIN);
        if (r >= 0)
                r = watch_add(s, WATCH_STDERR, run->err[0], EPOLLIN);
        if (r >= 0)
                r = watch_add(s, WATCH_WALL, s->wall_timer, EPOLLIN);
        if (r >= 0)
                r = watch_add(s, WATCH_TICK, s->tick_timer, EPOLLIN);
        if (r >= 0 && run->spec->cancel_fd > 0)
                r = watch_add(s, WATCH_CANCEL, run->spec->cancel_fd, EPOLLRDHUP);
        if (r >= 0 && run->spec->stdin_stream_fd > 0 && run->spec->stdin_stream_max > 0) {
                s->feed = xmalloc(FEED_SIZE);
                r = watch_add(s, WATCH_FEED, run->spec->stdin_stream_fd, EPOLLIN);
        } else if (r >= 0 && run->spec->stdin_len > 0)
                r = watch_add(s, WATCH_STDIN, run->in[1], EPOLLOUT);
        else if (r >= 0)
                run->in[1] = safe_close(run->in[1]);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "set up supervisor");
        return 0;
}

static void decide_verdict(struct supervisor *s, const struct cr_cgroup_stats *st)
{
        struct cr_sandbox_result *res = s->res;
        int sig = s->have_status && WIFSIGNALED(s->status) ? WTERMSIG(s->status) : 0;

        res->exit_code = s->have_status && WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1;
        res->signal = s->have_status ? sig : SIGKILL;
        res->limit = s->killed_for;
        if (s->killed_for == CR_LIMIT_CPU || s->killed_for == CR_LIMIT_WALL)
                res->verdict = CR_VERDICT_TIME_LIMIT;
        else if (s->killed_for == CR_LIMIT_OUTPUT)
                res->verdict = CR_VERDICT_OUTPUT_LIMIT;
        else if (st->oom_kills > 0) {
                res->verdict = CR_VERDICT_MEMORY_LIMIT;
                res->limit = CR_LIMIT_MEMORY;
        } else if (s->violated && s->killed_for == CR_LIMIT_NONE) {
                res->verdict = CR_VERDICT_SECCOMP_VIOLATION;
                /* what the kernel's kill would have reported; our SIGKILL
                 * only carried it out */
                res->signal = SIGSYS;
                res->exit_code = -1;
                res->seccomp_syscall_nr = s->violation.nr;
                memcpy(res->seccomp_syscall, s->violation.name, sizeof(res->seccomp_syscall));
        } else if (sig == SIGXCPU) {
                res->verdict = CR_VERDICT_TIME_LIMIT; /* the RLIMIT_CPU backstop */
                res->limit = CR_LIMIT_CPU;
        } else if (sig == SIGSYS)
                res->verdict = CR_VERDICT_SECCOMP_VIOLATION;
        else if (!s->have_status)
                res->verdict = CR_VERDICT_INTERNAL_ERROR;
        else
                res->verdict = sig == 0 && res->exit_code == 0 ? CR_VERDICT_OK : CR_VERDICT_RUNTIME_ERROR;
}

static int collect(struct supervisor *s, struct cr_error **err)
{
        struct sandbox_run *run = s->run;
        struct cr_cgroup_stats st = { 0 };
        struct rusage ru = { 0 };
        int wstatus;

        if (wait4(run->pid, &wstatus, 0, &ru) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "wait for sandbox");
        run->pid = 0;
        if (s->cancelled)
                return cr_error_make(err, ECANCELED, CR_ERROR_CANCELLED, "run cancelled");
        if (s->child_failed)
                return cr_error_set_raw(err, s->failure.errnum, s->failure.kind, s->failure.msg);
        if (run->cg && cr_cgroup_read_stats(run->cg, &st, err) < 0)
                return cr_error_wrap(err, "read cgroup statistics");

        /* Without a cgroup, pid 1's rusage covers every process it reaped. */
        s->res->cpu_ms = run->cg && (run->sb->controllers & CR_CGROUP_CPUACCT) ? st.cpu_usage_ns / 1000000ULL :
                (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000ULL +
                (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000ULL;
        s->res->memory_peak_bytes = run->cg && (run->sb->controllers & CR_CGROUP_MEMORY) ? st.memory_peak_bytes :
                (uint64_t) ru.ru_maxrss * 1024ULL;
        decide_verdict(s, &st);
        return 0;
}

int supervise(struct sandbox_run *run, struct cr_sandbox_result *res, struct cr_error **err)
{
        struct supervisor s = { .run = run, .res = res, .epfd = -EBADF, .wall_timer = -EBADF, .tick_timer = -EBADF,
                                .listener = -EBADF };
        int r;

        *res = (struct cr_sandbox_result) {
                .out = CR_BUF_INIT(run->spec->limits.output_bytes),
                .err = CR_BUF_INIT(run->spec->limits.output_bytes),
                .seccomp_syscall_nr = -1,
        };
        r = supervisor_init(&s, err);
        if (r >= 0 && !run->seccomp_notify) /* no listener to wait for: now */
                keep_tidy(run);
        while (r >= 0 && !finished(&s)) {
                struct epoll_event evs[8];
                int n = epoll_wait(s.epfd, evs, ARRAY_SIZE(evs), -1);

                if (n < 0 && errno != EINTR)
                        r = cr_error_set(err, errno, CR_ERROR_INTERNAL, "epoll_wait");
                for (int i = 0; i < n; i++)
                        dispatch(&s, (enum watch) evs[i].data.u32, evs[i].events);
        }
        if (r < 0)
                kill_sandbox(&s, CR_LIMIT_NONE);
        else
                r = collect(&s, err);
        safe_close(s.epfd);
        safe_close(s.wall_timer);
        safe_close(s.tick_timer);
        safe_close(s.listener);
        free(s.feed);
        if (r < 0)
                cr_sandbox_result_done(res);
        return r;
}
