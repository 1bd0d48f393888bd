/* SPDX-License-Identifier: MIT */
/*
 * CodeRunner test probe: one static multi-call binary that runs inside the
 * sandbox (installed as /probe in the test rootfs). argv[1] selects the probe;
 * every probe prints "key=value" lines on stdout (one fact per line) so the
 * integration tests can parse them, and exits 0 unless noted otherwise.
 *
 *   info                   uid, gid, euid, egid, groups, cwd, pid, ppid, hostname
 *   pids [HEX]             numeric entries of /proc; whether any other process
 *                          has the hex-decoded string HEX in its command line
 *   hostname               uname nodename
 *   net [HOST PORT]...     interfaces (/proc/net/dev + SIOCGIFFLAGS, and
 *                          if_nameindex) and the result of a TCP connect to
 *                          each HOST:PORT (2 s timeout)
 *   write PATH             create PATH and write 1 byte: errno
 *   fill DIR [CHUNK_MIB]   write files DIR/fill.N until ENOSPC: bytes written
 *   status                 Cap*, NoNewPrivs, Seccomp lines of /proc/self/status
 *   syscall NAME...        call each syscall with harmless arguments, print errno
 *   forkbomb [CAP]         every process forks until fork fails (at most CAP
 *                          processes in total, default 4096); the first process
 *                          prints the errno, its own and the total number of
 *                          successful forks, and exits 0; the rest sleep
 *   memhog MIB             allocate and touch MIB MiB, 1 MiB at a time
 *   spin                   burn CPU forever
 *   sleep SECS [TAG...]    print pid/uid, then sleep (TAGs only mark the argv)
 *   daemon TAG [keepfds]   double fork + setsid; the grandchild sleeps 1000 s
 *                          (with its stdio closed unless keepfds); exits 0
 *   flood [FD [MAXBYTES]]  write 'x' to FD (1 or 2) until it fails or MAXBYTES
 *   binout                 write the bytes 0..255 to stdout
 *   sha256 [FILE]          length and SHA-256 of FILE or stdin
 *   exit N                 exit with status N
 *   signal SEGV|ABRT|KILL  die by that signal
 *   env                    print environ, one entry per line, exactly
 *   devs                   list /dev: name, type, major:minor
 *   devcheck               use /dev/null, zero, full, urandom, random, shm
 *   stat PATH...           errno of stat(PATH)
 *   cat FILE               copy FILE to stdout
 *   inotify PATH SECS      inotify_init1 errno; if it worked, watch PATH for
 *                          IN_ACCESS|IN_OPEN for SECS seconds: events seen
 *   netlink PROTO...       errno of socket(AF_NETLINK, SOCK_RAW, PROTO) each
 *   tcp-reuse PORT         binds 127.0.0.1:PORT without SO_REUSEADDR, closes a
 *                          connection to itself server side first; lo up, the
 *                          only interface, and not to be taken down: exit 0,
 *                          else 1
 *   signals [PGID...]      sid, pgrp; then, ignoring them itself, sends
 *                          SIGCONT, SIGUSR1 and SIGUSR2 with kill(0, ...),
 *                          kill(-1, ...) and kill(-PGID, ...): errno of each
 *   procscan HEX           reads every readable file of every /proc/PID/ (and
 *                          /proc/PID/task/TID/) and reports each that contains
 *                          the hex-decoded string HEX; also the errno of
 *                          opening /proc/1/environ, and /proc/1/cmdline
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MIB (1024UL * 1024UL)

static const char *errname(int e) {
        const char *n;

        if (e == 0)
                return "0";
        n = strerrorname_np(e);
        return n ? n : "EUNKNOWN";
}

static void die(const char *what) {
        fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
        exit(125);
}

static void usage(void) {
        fputs("usage: probe COMMAND [ARGS...] (see tests/probes/probe.c)\n", stderr);
        exit(125);
}

static int write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static long parse_long(const char *s) {
        char *end;
        long v;

        errno = 0;
        v = strtoll(s, &end, 0);
        if (errno || end == s || *end)
                usage();
        return v;
}

/* ------------------------------------------------------------------ info */

static int cmd_info(void) {
        gid_t groups[256];
        char cwd[PATH_MAX];
        struct utsname u;
        int n;

        printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", getuid(), getgid(), geteuid(), getegid());
        n = getgroups(256, groups);
        printf("ngroups=%d\ngroups=", n);
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? "," : "", groups[i]);
        printf("\n");
        printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : errname(errno));
        printf("pid=%d\nppid=%d\n", getpid(), getppid());
        if (uname(&u) == 0)
                printf("hostname=%s\n", u.nodename);
        return 0;
}

static int cmd_hostname(void) {
        struct utsname u;

        if (uname(&u) < 0)
                die("uname");
        printf("hostname=%s\n", u.nodename);
        return 0;
}

/* ------------------------------------------------------------------ pids */

static int read_file(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t off = 0;

        if (fd < 0)
                return -errno;
        while (off < size) {
                ssize_t n = read(fd, buf + off, size - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        close(fd);
                        return -e;
                }
                if (n == 0)
                        break;
                off += (size_t) n;
        }
        close(fd);
        return (int) off;
}

/* The marker arrives hex-encoded so that it is not in the command line of
 * this probe (or of a supervisor in the namespace that carries our argv). */
static char *unhex(const char *hex) {
        size_t n = strlen(hex) / 2;
        char *out = calloc(n + 1, 1);

        if (!out)
                die("calloc");
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        usage();
                out[i] = (char) v;
        }
        return out;
}

static int cmd_pids(int argc, char **argv) {
        char *marker = argc > 0 ? unhex(argv[0]) : NULL;
        DIR *d = opendir("/proc");
        struct dirent *de;
        int first = 1, seen = 0;

        if (!d)
                die("opendir /proc");
        if (marker && !*marker)
                usage();
        printf("self=%d\npids=", getpid());
        while ((de = readdir(d))) {
                char *end;
                long pid = (long) strtoll(de->d_name, &end, 10);
                char path[64], buf[8192];
                int n;

                if (*end || end == de->d_name)
                        continue;
                printf("%s%ld", first ? "" : ",", pid);
                first = 0;
                if (!marker || pid == getpid())
                        continue;
                snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
                n = read_file(path, buf, sizeof buf - 1);
                if (n <= 0)
                        continue;
                buf[n] = 0;
                for (int i = 0; i < n; i += (int) strlen(buf + i) + 1)
                        if (strstr(buf + i, marker))
                                seen = 1;
        }
        closedir(d);
        printf("\n");
        if (marker)
                printf("marker_seen=%d\n", seen);
        free(marker);
        return 0;
}

/* ------------------------------------------------------------------- net */

static void print_flags(int s, const char *name) {
        struct ifreq ifr;

        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
                printf("if=%s up=%d loopback=%d\n", name, !!(ifr.ifr_flags & IFF_UP),
                       !!(ifr.ifr_flags & IFF_LOOPBACK));
        else
                printf("if=%s flags_errno=%s\n", name, errname(errno));
}

static const char *try_connect(const char *host, int port) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        struct pollfd pfd;
        int s, r, err = 0;
        socklen_t len = sizeof err;

        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
                return "EBADADDR";
        s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0)
                return errname(errno);
        r = connect(s, (struct sockaddr *) &sin, sizeof sin);
        if (r == 0) {
                close(s);
                return "CONNECTED";
        }
        if (errno != EINPROGRESS) {
                err = errno;
                close(s);
                return errname(err);
        }
        pfd.fd = s;
        pfd.events = POLLOUT;
        r = poll(&pfd, 1, 2000);
        if (r == 0) {
                close(s);
                return "TIMEOUT";
        }
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
        close(s);
        return err ? errname(err) : "CONNECTED";
}

static int cmd_net(int argc, char **argv) {
        char buf[16384];
        int n, s, lineno = 0;
        struct if_nameindex *ni;

        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        n = read_file("/proc/net/dev", buf, sizeof buf - 1);
        if (n < 0) {
                printf("proc_net_dev=%s\n", errname(-n));
        } else {
                buf[n] = 0;
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                        char *colon, *name = line;

                        if (lineno++ < 2)
                                continue;
                        colon = strchr(line, ':');
                        if (!colon)
                                continue;
                        *colon = 0;
                        while (*name == ' ')
                                name++;
                        print_flags(s, name);
                }
        }
        ni = if_nameindex();
        printf("ifindex=");
        for (struct if_nameindex *i = ni; i && i->if_name; i++)
                printf("%s%s", i == ni ? "" : ",", i->if_name);
        printf("\n");
        if (ni)
                if_freenameindex(ni);
        if (s >= 0)
                close(s);
        for (int i = 0; i + 1 < argc; i += 2)
                printf("connect %s:%s=%s\n", argv[i], argv[i + 1], try_connect(argv[i], (int) parse_long(argv[i + 1])));
        return 0;
}

/* ------------------------------------------------------------ filesystem */

static int cmd_write(int argc, char **argv) {
        int fd, e = 0;

        if (argc < 1)
                usage();
        fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                e = errno;
        else if (write(fd, "x", 1) != 1)
                e = errno;
        if (fd >= 0)
                close(fd);
        printf("write %s=%s\n", argv[0], errname(e));
        return 0;
}

static int cmd_fill(int argc, char **argv) {
        static char chunk[64 * 1024];
        unsigned long long total = 0;
        unsigned long per_file;
        int e = 0, files = 0;

        if (argc < 1)
                usage();
        per_file = (argc > 1 ? (unsigned long) parse_long(argv[1]) : 1UL) * MIB;
        /* Files stay small so that an RLIMIT_FSIZE backstop cannot end the
         * fill early; SIGXFSZ is ignored so it shows up as EFBIG instead. */
        signal(SIGXFSZ, SIG_IGN);
        memset(chunk, 'f', sizeof chunk);
        for (;;) {
                char path[PATH_MAX];
                unsigned long in_file = 0;
                int fd;

                snprintf(path, sizeof path, "%s/fill.%d", argv[0], files++);
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        e = errno;
                        break;
                }
                while (in_file < per_file) {
                        ssize_t n = write(fd, chunk, sizeof chunk);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                e = errno;
                                break;
                        }
                        in_file += (unsigned long) n;
                        total += (unsigned long long) n;
                        if ((size_t) n < sizeof chunk) {
                                /* short write: the next one reports the errno */
                                continue;
                        }
                }
                close(fd);
                if (e == EFBIG) {
                        e = 0;
                        continue;
                }
                if (e)
                        break;
                if (files > 1000000)
                        break;
        }
        printf("written=%llu\nfiles=%d\nerrno=%s\n", total, files, errname(e));
        return 0;
}

static int cmd_stat(int argc, char **argv) {
        for (int i = 0; i < argc; i++) {
                struct stat st;
                printf("stat %s=%s\n", argv[i], errname(stat(argv[i], &st) < 0 ? errno : 0));
        }
        return 0;
}

static int cmd_cat(int argc, char **argv) {
        char buf[65536];
        int fd;
        ssize_t n;

        if (argc < 1)
                usage();
        fd = open(argv[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die(argv[0]);
        while ((n = read(fd, buf, sizeof buf)) > 0)
                if (write_all(1, buf, (size_t) n) < 0)
                        return 1;
        return n < 0 ? 1 : 0;
}

/* --------------------------------------------------------------- status */

static int cmd_status(void) {
        char buf[16384];
        int n = read_file("/proc/self/status", buf, sizeof buf - 1);

        if (n < 0) {
                errno = -n;
                die("/proc/self/status");
        }
        buf[n] = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                char *colon = strchr(line, ':');
                char *v;

                if (!colon)
                        continue;
                *colon = 0;
                if (strncmp(line, "Cap", 3) != 0 && strcmp(line, "NoNewPrivs") != 0 &&
                    strcmp(line, "Seccomp") != 0 && strcmp(line, "Seccomp_filters") != 0 &&
                    strcmp(line, "Uid") != 0 && strcmp(line, "Gid") != 0 && strcmp(line, "Groups") != 0)
                        continue;
                v = colon + 1;
                while (*v == ' ' || *v == '\t')
                        v++;
                for (char *t = v; *t; t++)
                        if (*t == '\t')
                                *t = ' ';
                printf("%s=%s\n", line, v);
        }
        return 0;
}

/* -------------------------------------------------------------- syscall */

#ifndef KEYCTL_GET_KEYRING_ID
#define KEYCTL_GET_KEYRING_ID 0
#endif
#ifndef KEY_SPEC_SESSION_KEYRING
#define KEY_SPEC_SESSION_KEYRING -3
#endif

/* Arguments are chosen so that even an unconfined root caller changes
 * nothing: bad flags, empty images, nonexistent targets. */
static long call_syscall(const char *name, int *known) {
        static char attr[128]; /* zeroed union bpf_attr */

        *known = 1;
        if (!strcmp(name, "mount"))
                return syscall(SYS_mount, "none", "/nonexistent-cr-probe", "tmpfs", 0UL, NULL);
        if (!strcmp(name, "umount2"))
                return syscall(SYS_umount2, "/nonexistent-cr-probe", 0);
        if (!strcmp(name, "unshare"))
                return syscall(SYS_unshare, CLONE_NEWUSER);
        if (!strcmp(name, "unshare-net"))
                return syscall(SYS_unshare, CLONE_NEWNET);
        if (!strcmp(name, "setns"))
                return syscall(SYS_setns, -1, 0);
        if (!strcmp(name, "ptrace"))
                return syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, NULL, NULL);
        if (!strcmp(name, "keyctl"))
                return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
        if (!strcmp(name, "add_key"))
                return syscall(SYS_add_key, "user", "cr-probe", "x", 1UL, KEY_SPEC_SESSION_KEYRING);
        if (!strcmp(name, "bpf"))
                return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
        if (!strcmp(name, "perf_event_open"))
                return syscall(SYS_perf_event_open, attr, 0, -1, -1, 0UL);
        if (!strcmp(name, "kexec_load"))
                return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0x4000UL /* invalid flag */);
        if (!strcmp(name, "kexec_file_load"))
                return syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL);
        if (!strcmp(name, "init_module"))
                return syscall(SYS_init_module, NULL, 0UL, "");
        if (!strcmp(name, "finit_module"))
                return syscall(SYS_finit_module, -1, "", 0);
        if (!strcmp(name, "delete_module"))
                return syscall(SYS_delete_module, "cr-probe-nonexistent", 0x800 /* O_NONBLOCK */);
        if (!strcmp(name, "reboot"))
                return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic */
        if (!strcmp(name, "clone3"))
                return syscall(SYS_clone3, NULL, 0UL); /* size 0: EINVAL if allowed */
        if (!strcmp(name, "getpid"))
                return syscall(SYS_getpid);
        *known = 0;
        return -1;
}

static int cmd_syscall(int argc, char **argv) {
        for (int i = 0; i < argc; i++) {
                int known;
                long r;

                printf("calling %s\n", argv[i]);
                fflush(stdout);
                errno = 0;
                r = call_syscall(argv[i], &known);
                if (!known) {
                        printf("%s=EUNKNOWNSYSCALL\n", argv[i]);
                        continue;
                }
                printf("%s=%s ret=%ld\n", argv[i], r < 0 ? errname(errno) : "0", r);
                fflush(stdout);
        }
        return 0;
}

/* ------------------------------------------------------------ resources */

static _Noreturn int cmd_forkbomb(int argc, char **argv) {
        long cap = argc > 0 ? parse_long(argv[0]) : 4096;
        long *shared;
        pid_t root = getpid();
        long mine = 0;

        /* shared[0] keeps the bomb bounded even if the pids limit is broken:
         * at most `cap` forks are ever attempted at once. shared[1] counts
         * the forks that succeeded ("total"). */
        shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
                die("mmap");
        for (;;) {
                pid_t p;

                if (__atomic_add_fetch(&shared[0], 1, __ATOMIC_SEQ_CST) > cap) {
                        if (getpid() == root) {
                                printf("fork_errno=CAP\nforked=%ld\ntotal=%ld\n", mine,
                                       __atomic_load_n(&shared[1], __ATOMIC_SEQ_CST));
                                fflush(stdout);
                                _exit(0);
                        }
                        for (;;)
                                pause();
                }
                p = fork();
                if (p == 0) {
                        mine = 0;
                        continue; /* children keep forking too */
                }
                if (p < 0) {
                        int e = errno;
                        __atomic_sub_fetch(&shared[0], 1, __ATOMIC_SEQ_CST);
                        if (getpid() == root) {
                                printf("fork_errno=%s\nforked=%ld\ntotal=%ld\n", errname(e), mine,
                                       __atomic_load_n(&shared[1], __ATOMIC_SEQ_CST));
                                fflush(stdout);
                                _exit(0);
                        }
                        for (;;)
                                pause();
                }
                mine++;
                __atomic_add_fetch(&shared[1], 1, __ATOMIC_SEQ_CST);
        }
}

static int cmd_memhog(int argc, char **argv) {
        long mib = argc > 0 ? parse_long(argv[0]) : 1024;

        for (long i = 0; i < mib; i++) {
                char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) {
                        printf("allocated_mib=%ld\nerrno=%s\n", i, errname(errno));
                        return 3;
                }
                for (size_t off = 0; off < MIB; off += 4096)
                        p[off] = (char) (off | 1);
        }
        printf("allocated_mib=%ld\n", mib);
        return 0;
}

static _Noreturn int cmd_spin(void) {
        volatile unsigned long x = 0;

        for (;;)
                x++;
}

static int cmd_sleep(int argc, char **argv) {
        double secs = argc > 0 ? strtod(argv[0], NULL) : 1000.0;
        struct timespec ts = { .tv_sec = (time_t) secs,
                               .tv_nsec = (long) ((secs - (double) (time_t) secs) * 1e9) };

        printf("pid=%d\nuid=%u\n", getpid(), getuid());
        fflush(stdout);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        printf("slept=1\n");
        return 0;
}

static int cmd_daemon(int argc, char **argv) {
        int keepfds = argc > 1 && !strcmp(argv[1], "keepfds");
        int pfd[2];
        pid_t p;

        if (argc < 1)
                usage();
        if (pipe(pfd) < 0)
                die("pipe");
        p = fork();
        if (p < 0)
                die("fork");
        if (p == 0) {
                pid_t q;

                if (setsid() < 0)
                        _exit(1);
                q = fork();
                if (q < 0)
                        _exit(1);
                if (q > 0)
                        _exit(0);
                /* grandchild: report its pid, detach, sleep */
                close(pfd[0]);
                dprintf(pfd[1], "%d", getpid());
                close(pfd[1]);
                if (!keepfds) {
                        int fd = open("/dev/null", O_RDWR);
                        if (fd >= 0) {
                                dup2(fd, 0);
                                dup2(fd, 1);
                                dup2(fd, 2);
                                if (fd > 2)
                                        close(fd);
                        } else {
                                close(0);
                                close(1);
                                close(2);
                        }
                }
                signal(SIGHUP, SIG_IGN);
                for (int i = 0; i < 1000; i++)
                        sleep(1);
                _exit(0);
        }
        close(pfd[1]);
        waitpid(p, NULL, 0);
        {
                char buf[32] = { 0 };
                ssize_t n = read(pfd[0], buf, sizeof buf - 1);
                printf("daemon_pid=%s\n", n > 0 ? buf : "?");
        }
        return 0;
}

static int cmd_flood(int argc, char **argv) {
        static char buf[64 * 1024];
        int fd = argc > 0 ? (int) parse_long(argv[0]) : 1;
        unsigned long long max = argc > 1 ? (unsigned long long) parse_long(argv[1]) : (1ULL << 30);
        unsigned long long total = 0;

        memset(buf, 'x', sizeof buf);
        signal(SIGPIPE, SIG_IGN);
        while (total < max) {
                size_t len = sizeof buf;
                ssize_t n;

                if (max - total < len)
                        len = (size_t) (max - total);
                n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "flood: %s after %llu bytes\n", errname(errno), total);
                        return 4;
                }
                total += (unsigned long long) n;
        }
        return 0;
}

static int cmd_binout(void) {
        unsigned char b[256];

        for (int i = 0; i < 256; i++)
                b[i] = (unsigned char) i;
        return write_all(1, b, sizeof b) < 0 ? 1 : 0;
}

/* --------------------------------------------------------------- sha256 */

struct sha256 {
        uint32_t h[8];
        uint64_t len;
        unsigned char buf[64];
        size_t fill;
};

static const uint32_t K256[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *s, const unsigned char *p) {
        uint32_t w[64], a, b, c, d, e, f, g, h;

        for (int i = 0; i < 16; i++)
                w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8 |
                       p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
                uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
        e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
        for (int i = 0; i < 64; i++) {
                uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
                uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
        s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(struct sha256 *s) {
        static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
        memcpy(s->h, iv, sizeof iv);
        s->len = 0;
        s->fill = 0;
}

static void sha256_update(struct sha256 *s, const unsigned char *p, size_t n) {
        s->len += n;
        while (n > 0) {
                size_t take = 64 - s->fill;
                if (take > n)
                        take = n;
                memcpy(s->buf + s->fill, p, take);
                s->fill += take;
                p += take;
                n -= take;
                if (s->fill == 64) {
                        sha256_block(s, s->buf);
                        s->fill = 0;
                }
        }
}

static void sha256_final(struct sha256 *s, char hex[65]) {
        uint64_t bits = s->len * 8;
        unsigned char pad = 0x80, zero = 0, lenb[8];

        sha256_update(s, &pad, 1);
        while (s->fill != 56)
                sha256_update(s, &zero, 1);
        for (int i = 0; i < 8; i++)
                lenb[i] = (unsigned char) (bits >> (56 - 8 * i));
        sha256_update(s, lenb, 8);
        for (int i = 0; i < 8; i++)
                snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

static int cmd_sha256(int argc, char **argv) {
        unsigned char buf[65536];
        struct sha256 s;
        char hex[65];
        int fd = 0;
        ssize_t n;

        if (argc > 0) {
                fd = open(argv[0], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        die(argv[0]);
        }
        sha256_init(&s);
        while ((n = read(fd, buf, sizeof buf)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        die("read");
                }
                sha256_update(&s, buf, (size_t) n);
        }
        printf("length=%llu\n", (unsigned long long) s.len);
        sha256_final(&s, hex);
        printf("sha256=%s\n", hex);
        return 0;
}

/* ------------------------------------------------------ exits and signals */

static _Noreturn int cmd_signal(int argc, char **argv) {
        if (argc < 1)
                usage();
        fflush(stdout);
        if (!strcmp(argv[0], "SEGV")) {
                volatile int *p = NULL;
                signal(SIGSEGV, SIG_DFL);
                *p = 1;
        } else if (!strcmp(argv[0], "ABRT")) {
                abort();
        } else if (!strcmp(argv[0], "KILL")) {
                kill(getpid(), SIGKILL);
        } else {
                usage();
        }
        /* Still here: the signal was ignored, e.g. because this process is
         * the init of its pid namespace (which only dies by signals from an
         * ancestor namespace). Say so instead of hanging. */
        sleep(2);
        fprintf(stderr, "probe: still alive after SIG%s (pid %d)\n", argv[0], getpid());
        _exit(97);
}

static int cmd_env(void) {
        for (char **e = environ; e && *e; e++)
                printf("%s\n", *e);
        return 0;
}

/* ------------------------------------------------------------------ /dev */

static int cmd_devs(void) {
        DIR *d = opendir("/dev");
        struct dirent *de;

        if (!d)
                die("opendir /dev");
        while ((de = readdir(d))) {
                char path[PATH_MAX];
                struct stat st;
                const char *type;

                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                snprintf(path, sizeof path, "/dev/%s", de->d_name);
                if (lstat(path, &st) < 0) {
                        printf("dev=%s type=? errno=%s\n", de->d_name, errname(errno));
                        continue;
                }
                switch (st.st_mode & S_IFMT) {
                case S_IFCHR: type = "chr"; break;
                case S_IFBLK: type = "blk"; break;
                case S_IFDIR: type = "dir"; break;
                case S_IFLNK: type = "lnk"; break;
                case S_IFREG: type = "reg"; break;
                case S_IFIFO: type = "fifo"; break;
                case S_IFSOCK: type = "sock"; break;
                default: type = "?";
                }
                printf("dev=%s type=%s rdev=%u:%u\n", de->d_name, type, major(st.st_rdev), minor(st.st_rdev));
        }
        closedir(d);
        return 0;
}

static const char *dev_io(const char *path, int writing, size_t len) {
        char buf[64] = { 0 };
        int fd = open(path, (writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        ssize_t n;
        int e;

        if (fd < 0)
                return errname(errno);
        n = writing ? write(fd, buf, len) : read(fd, buf, len);
        e = errno;
        close(fd);
        if (n < 0)
                return errname(e);
        if ((size_t) n != len)
                return "SHORT";
        if (!writing && !strcmp(path, "/dev/zero"))
                for (size_t i = 0; i < len; i++)
                        if (buf[i])
                                return "NONZERO";
        return "OK";
}

static int cmd_devcheck(void) {
        printf("write /dev/null=%s\n", dev_io("/dev/null", 1, 16));
        printf("read /dev/zero=%s\n", dev_io("/dev/zero", 0, 16));
        printf("write /dev/full=%s\n", dev_io("/dev/full", 1, 16));
        printf("read /dev/urandom=%s\n", dev_io("/dev/urandom", 0, 16));
        printf("read /dev/random=%s\n", dev_io("/dev/random", 0, 16));
        {
                int fd = open("/dev/shm/cr-probe", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                int e = fd < 0 ? errno : 0;
                if (fd >= 0) {
                        if (write(fd, "x", 1) != 1)
                                e = errno;
                        close(fd);
                        unlink("/dev/shm/cr-probe");
                }
                printf("write /dev/shm=%s\n", e ? errname(e) : "OK");
        }
        return 0;
}

/* ---------------------------------------------------------- side channels */

static int cmd_inotify(int argc, char **argv) {
        char buf[4096] __attribute__((aligned(8)));
        struct pollfd pfd;
        long events = 0;
        int fd, wd;

        if (argc < 2)
                usage();
        fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        printf("inotify=%s\n", errname(fd < 0 ? errno : 0));
        if (fd < 0)
                return 0;
        wd = inotify_add_watch(fd, argv[0], IN_ACCESS | IN_OPEN);
        printf("watch=%s\n", errname(wd < 0 ? errno : 0));
        if (wd < 0)
                return 0;
        pfd.fd = fd;
        pfd.events = POLLIN;
        for (long left = parse_long(argv[1]) * 10; left > 0; left--) {
                ssize_t n;

                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                while ((n = read(fd, buf, sizeof buf)) > 0)
                        for (char *p = buf; p < buf + n; p += sizeof(struct inotify_event) +
                                                              ((struct inotify_event *) p)->len)
                                events++;
        }
        printf("events=%ld\n", events);
        return 0;
}

static int cmd_netlink(int argc, char **argv) {
        for (int i = 0; i < argc; i++) {
                int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int) parse_long(argv[i]));

                printf("netlink_%s=%s\n", argv[i], errname(fd < 0 ? errno : 0));
                if (fd >= 0)
                        close(fd);
        }
        return 0;
}

/* tcp-reuse PORT: what one run leaves in its network namespace for the
 * next. Binds 127.0.0.1:PORT without SO_REUSEADDR (a TIME_WAIT socket of an
 * earlier run on that port would make this fail), connects to itself and
 * closes the server side first (which would leave such a socket), checks
 * that lo is up, the only interface, and that taking it down is refused. Exit 0 when all holds,
 * else 1 with the first failure printed; run it twice in one slot. */
static int cmd_tcp_reuse(int argc, char **argv) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct ifreq ifr = { .ifr_name = "lo" };
        int srv, cli, conn;

        if (argc < 1)
                return 2;
        a.sin_port = htons((uint16_t) parse_long(argv[0]));
        srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (srv < 0 || bind(srv, (struct sockaddr *) &a, sizeof a) < 0 || listen(srv, 1) < 0) {
                printf("bind=%s\n", errname(errno));
                return 1;
        }
        cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (cli < 0 || connect(cli, (struct sockaddr *) &a, sizeof a) < 0 || (conn = accept(srv, NULL, NULL)) < 0) {
                printf("connect=%s\n", errname(errno));
                return 1;
        }
        close(conn); /* the server side closes first: TIME_WAIT would be on PORT */
        close(cli);
        close(srv);
        if (ioctl(cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP)) {
                printf("lo_up=no\n");
                return 1;
        }
        ifr.ifr_flags &= ~IFF_UP;
        if (ioctl(cli, SIOCSIFFLAGS, &ifr) == 0 || errno != EPERM) {
                printf("lo_down=%s\n", errname(errno));
                return 1;
        }
        {
                struct if_nameindex *ifs = if_nameindex();

                if (!ifs || !ifs[0].if_name || strcmp(ifs[0].if_name, "lo") || ifs[1].if_name) {
                        printf("interfaces=%s\n", ifs && ifs[0].if_name ? "not only lo" : "none");
                        return 1;
                }
                if_freenameindex(ifs);
        }
        printf("tcp_reuse=ok\n");
        return 0;
}

static void send_signals(const char *what, pid_t target) {
        static const struct { int sig; const char *name; } sigs[] = {
                { SIGCONT, "CONT" }, { SIGUSR1, "USR1" }, { SIGUSR2, "USR2" },
        };

        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
                printf("kill(%s,%s)=%s\n", what, sigs[i].name,
                       errname(kill(target, sigs[i].sig) < 0 ? errno : 0));
}

static int cmd_signals(int argc, char **argv) {
        signal(SIGUSR1, SIG_IGN);
        signal(SIGUSR2, SIG_IGN);
        printf("sid=%d\npgrp=%d\n", (int) getsid(0), (int) getpgrp());
        send_signals("0", 0);
        send_signals("-1", -1);
        for (int i = 0; i < argc; i++) {
                char what[32];

                snprintf(what, sizeof what, "-%s", argv[i]);
                send_signals(what, -(pid_t) parse_long(argv[i]));
        }
        return 0;
}

/* Files of /proc/PID/ that could block, are huge or are not data. */
static int procscan_skip(const char *name) {
        static const char *const skip[] = { "mem", "pagemap", "clear_refs", "task", "fd", "fdinfo", "ns",
                                            "net", "attr", "map_files", "cwd", "root", "exe", "smaps",
                                            "smaps_rollup", NULL };

        for (int i = 0; skip[i]; i++)
                if (!strcmp(name, skip[i]))
                        return 1;
        return 0;
}

static long procscan_dir(const char *dir, const char *marker, const char *label) {
        static char buf[1 << 20];
        DIR *d = opendir(dir);
        struct dirent *de;
        long scanned = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char path[512];
                int n;

                if (de->d_name[0] == '.' || procscan_skip(de->d_name))
                        continue;
                snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                n = read_file(path, buf, sizeof buf - 1);
                if (n < 0)
                        continue;
                scanned++;
                if (memmem(buf, (size_t) n, marker, strlen(marker)))
                        printf("hit=%s/%s\n", label, de->d_name);
        }
        closedir(d);
        return scanned;
}

static int cmd_procscan(int argc, char **argv) {
        char *marker = argc > 0 ? unhex(argv[0]) : NULL;
        char buf[4096];
        DIR *d = opendir("/proc");
        struct dirent *de;
        long scanned = 0;
        int n;

        if (!d || !marker || !*marker)
                usage();
        while ((de = readdir(d))) {
                char dir[300], tasks[320];
                DIR *t;
                struct dirent *te;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(dir, sizeof dir, "/proc/%s", de->d_name);
                scanned += procscan_dir(dir, marker, de->d_name);
                snprintf(tasks, sizeof tasks, "/proc/%s/task", de->d_name);
                if (!(t = opendir(tasks)))
                        continue;
                while ((te = readdir(t))) {
                        char tdir[600], label[600];

                        if (te->d_name[0] < '0' || te->d_name[0] > '9')
                                continue;
                        snprintf(tdir, sizeof tdir, "%s/%s", tasks, te->d_name);
                        snprintf(label, sizeof label, "%s/task/%s", de->d_name, te->d_name);
                        scanned += procscan_dir(tdir, marker, label);
                }
                closedir(t);
        }
        closedir(d);
        printf("scanned=%ld\n", scanned);
        n = read_file("/proc/1/environ", buf, sizeof buf);
        printf("environ1=%s\n", errname(n < 0 ? -n : 0));
        n = read_file("/proc/1/cmdline", buf, sizeof buf - 1);
        if (n >= 0) {
                for (int i = 0; i < n; i++)
                        if (buf[i] == 0)
                                buf[i] = ' ';
                buf[n] = 0;
        }
        printf("cmdline1=%s\n", n < 0 ? errname(-n) : buf);
        return 0;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
        const char *cmd;

        if (argc < 2)
                usage();
        cmd = argv[1];
        argc -= 2;
        argv += 2;
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (!strcmp(cmd, "info"))
                return cmd_info();
        if (!strcmp(cmd, "pids"))
                return cmd_pids(argc, argv);
        if (!strcmp(cmd, "hostname"))
                return cmd_hostname();
        if (!strcmp(cmd, "net"))
                return cmd_net(argc, argv);
        if (!strcmp(cmd, "write"))
                return cmd_write(argc, argv);
        if (!strcmp(cmd, "fill"))
                return cmd_fill(argc, argv);
        if (!strcmp(cmd, "stat"))
                return cmd_stat(argc, argv);
        if (!strcmp(cmd, "cat"))
                return cmd_cat(argc, argv);
        if (!strcmp(cmd, "status"))
                return cmd_status();
        if (!strcmp(cmd, "syscall"))
                return cmd_syscall(argc, argv);
        if (!strcmp(cmd, "forkbomb"))
                return cmd_forkbomb(argc, argv);
        if (!strcmp(cmd, "memhog"))
                return cmd_memhog(argc, argv);
        if (!strcmp(cmd, "spin"))
                return cmd_spin();
        if (!strcmp(cmd, "sleep"))
                return cmd_sleep(argc, argv);
        if (!strcmp(cmd, "daemon"))
                return cmd_daemon(argc, argv);
        if (!strcmp(cmd, "flood"))
                return cmd_flood(argc, argv);
        if (!strcmp(cmd, "binout"))
                return cmd_binout();
        if (!strcmp(cmd, "sha256"))
                return cmd_sha256(argc, argv);
        if (!strcmp(cmd, "exit"))
                return argc > 0 ? (int) parse_long(argv[0]) : 0;
        if (!strcmp(cmd, "signal"))
                return cmd_signal(argc, argv);
        if (!strcmp(cmd, "env"))
                return cmd_env();
        if (!strcmp(cmd, "devs"))
                return cmd_devs();
        if (!strcmp(cmd, "devcheck"))
                return cmd_devcheck();
        if (!strcmp(cmd, "inotify"))
                return cmd_inotify(argc, argv);
        if (!strcmp(cmd, "tcp-reuse"))
                return cmd_tcp_reuse(argc, argv);
        if (!strcmp(cmd, "netlink"))
                return cmd_netlink(argc, argv);
        if (!strcmp(cmd, "signals"))
                return cmd_signals(argc, argv);
        if (!strcmp(cmd, "procscan"))
                return cmd_procscan(argc, argv);
        usage();
        return 125;
}
