/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "proc-util.h"
#include "fd-util.h"
#include "sandbox/sandbox.h"
#include "spawn/spawn.h"
#include "worker.h"

/* Receives one job channel fd (SCM_RIGHTS) from the control socket. Returns
 * the fd, -EPIPE at end of stream, or -errno. */
static int receive_channel(int control_fd)
{
        char byte;
        char cmsgbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cmsgbuf,
                             .msg_controllen = sizeof(cmsgbuf) };
        struct cmsghdr *c;
        ssize_t n = recvmsg(control_fd, &mh, MSG_CMSG_CLOEXEC);
        int fd = -1;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
        if (n == 0)
                return -EPIPE;
        for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd >= 0 ? fd : -EBADMSG;
}

static void start_worker(int control_fd, int sigfd, int channel, const struct cr_executor_config *cfg)
{
        pid_t executor = getpid(), pid = fork();

        if (pid < 0) {
                /* the daemon sees the channel close: the job fails, we go on */
                safe_close(channel);
                return;
        }
        if (pid == 0) {
                if (cr_die_with_parent(executor) < 0)
                        _exit(1);
                safe_close(control_fd);
                safe_close(sigfd);
                safe_close(cfg->status_fd);
                reset_signals();
                _exit(cr_worker_main(channel, cfg) < 0 ? 1 : 0);
        }
        safe_close(channel);
}

static unsigned reap_workers(int sigfd)
{
        struct signalfd_siginfo si;
        unsigned n = 0;

        while (read(sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        while (waitpid(-1, NULL, WNOHANG) > 0)
                n++;
        return n;
}

/* A new executor (the keeper restarting it, or the daemon started again)
 * cleans up after the sandboxes of a killed one: they died with it, their
 * cgroup leaves did not. */
static void remove_leftovers(struct cr_sandbox *sb)
{
        _cleanup_error_ struct cr_error *err = NULL;
        unsigned removed = 0;

        if (cr_sandbox_remove_leftovers(sb, &removed, &err) < 0)
                log_warning_err(err, "Cleaning up after dead supervisors");
        if (removed > 0)
                log_info("Removed %u cgroups left by supervisors that were killed", removed);
}

/* Tells the daemon (through the keeper's status socket) that jobs run
 * again: its health turns SERVING. */
static void announce_ready(int status_fd)
{
        struct cr_executor_status st = { .event = CR_EXECUTOR_READY, .pid = getpid() };

        (void) send(status_fd, &st, sizeof(st), MSG_NOSIGNAL | MSG_DONTWAIT);
}

int cr_executor_serve(int control_fd, const struct cr_executor_config *cfg)
{
        _cleanup_close_ int sigfd = -EBADF;
        unsigned running = 0;
        sigset_t mask;

        (void) prctl(PR_SET_NAME, "cr-executor");
        remove_leftovers(cfg->sandbox);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0)
                return -errno;
        announce_ready(cfg->status_fd);

        for (;;) {
                /* at the worker limit, stop reading jobs: they queue in the socket */
                struct pollfd p[2] = {
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = control_fd, .events = running < cfg->max_workers ? POLLIN : 0 },
                };
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[0].revents) {
                        unsigned reaped = reap_workers(sigfd);
                        running = reaped > running ? 0 : running - reaped;
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        int fd = receive_channel(control_fd);
                        if (fd < 0 && fd != -EAGAIN && fd != -EBADMSG)
                                return 0; /* the daemon is gone */
                        if (fd >= 0) {
                                start_worker(control_fd, sigfd, fd, cfg);
                                running++;
                        }
                }
        }
}
