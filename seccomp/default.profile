# CodeRunner default seccomp profile.
#
# An ALLOWLIST for compilers and language runtimes: gcc/g++ (cc1, cc1plus,
# as, ld), python3, node 18, OpenJDK 17, mono, the go 1.19 toolchain and its
# binaries, rustc. It is the last layer of the sandbox. When it applies, the
# job already runs as an unprivileged uid inside its own user, pid, mount,
# net (lo only), ipc, uts and cgroup namespaces, with every capability
# dropped, PR_SET_NO_NEW_PRIVS set, a read-only nosuid/nodev rootfs, no /sys,
# no tty and a minimal /dev (DESIGN.md section 4). So this file does not stand
# alone. Its job is to shrink the kernel attack surface the job can reach, and
# to stop the job from building new privilege (user namespaces, mounts, BPF,
# keyrings, io_uring).
#
# Format: seccomp/README.md. One rule a line:  ACTION SYSCALL... [if COND].
# A syscall may have only one action. A syscall named twice without a
# condition is a parse error, so the explicit denials at the end also stop
# anyone from adding an "allow" for them by accident.
#
# Names that do not exist on the build architecture (e.g. open, fork and stat
# on aarch64) are accepted and skipped, so one file serves all of them.

# Anything not listed fails with EPERM. Runtimes that probe an optional
# facility (NUMA, perf, AIO, keyrings) see "not permitted" and go on without it.
default errno EPERM

# Syscalls numbered above everything libseccomp can name (newer than this
# profile could have been reviewed against) fail with ENOSYS, as on an older
# kernel. A libc that tries a new call first (fchmodat2, statmount, ...) then
# takes its fallback path instead of failing with EPERM.
newer errno ENOSYS

# ---------------------------------------------------------------- processes
# Program start and exit, exec (compilers spawn cc1/as/ld, go build spawns
# compile/link, shells spawn everything), waiting for children.
allow execve execveat exit exit_group wait4 waitid restart_syscall
# Thread and process creation. clone is allowed only without namespace flags:
# the mask is CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|
# CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET. A new user namespace would give the
# job a full capability set inside it, and with that it could mount
# filesystems and configure networks: the main entry point to kernel
# exploits. CLONE_NEWTIME cannot be passed to clone(2) (its bit is part of the
# exit signal). Threads (pthread_create, Go's newosproc, JVM/mono/V8
# threads), fork, vfork and posix_spawn (CLONE_VM|CLONE_VFORK) all pass.
allow clone if arg0 & 0x7E020000 == 0
allow fork vfork
# Per-thread libc and runtime setup: TLS, robust futex lists, restartable
# sequences (glibc >= 2.35 registers rseq in every thread).
allow arch_prctl set_tid_address set_robust_list get_robust_list rseq
# prctl: PR_SET_NAME (JVM, Go and Node thread names), PR_SET_PDEATHSIG,
# PR_SET_VMA (anonymous mapping names), PR_SET_NO_NEW_PRIVS, PR_GET_*. The
# options that could raise privilege need capabilities the job does not have.
allow prctl
# Process identity and groups. The setters are safe with no CAP_SETUID or
# CAP_SETGID: the kernel then only lets a process switch among its own ids.
allow getpid getppid gettid getpgid getpgrp setpgid getsid setsid
allow getuid geteuid getgid getegid getresuid getresgid getgroups
allow setuid setgid setreuid setregid setresuid setresgid setfsuid setfsgid setgroups
# Reading capabilities (libcap, Python's os module) and dropping them. capset
# cannot raise anything beyond the (empty) permitted set.
allow capget capset
# Signals. The pid namespace limits kill/tkill/tgkill/pidfd_send_signal to the
# job's own processes. pidfd_open gives race-free process handles (Python
# 3.9+, glibc pidfd_spawn, Go 1.22+) with the same authority as kill(2).
allow kill tkill tgkill pidfd_open pidfd_send_signal
allow rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigsuspend
allow rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack pause alarm signalfd signalfd4
# personality: only the query (0xffffffff), PER_LINUX (0) and PER_LINUX32 (8),
# which toolchains and uname(1)/setarch probes use. Execution domains
# such as READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE are refused: they switch off
# NX and ASLR for the next exec.
allow personality if arg0 == 0
allow personality if arg0 == 8
allow personality if arg0 == 0xffffffff

# ---------------------------------------------------------------- memory
# Heaps, JIT code (V8, HotSpot, mono and the Go runtime map memory RW and then
# RX), GC barriers (membarrier: the JVM and mono), locking (limited by
# RLIMIT_MEMLOCK, charged to the job's memory cgroup), and page residency
# (mincore: HotSpot probes stack guard pages with it). Memory protection keys
# (V8's W^X JIT pages) and shadow stacks (glibc CET) only narrow access.
allow brk mmap munmap mremap mprotect madvise msync mincore membarrier
allow pkey_alloc pkey_free pkey_mprotect map_shadow_stack
# Anonymous files (JIT double-mapping, Python multiprocessing, glibc).
allow memfd_create
# Reading NUMA policy (libnuma as loaded by the JVM). Changing it is excluded
# below.
allow get_mempolicy

# ---------------------------------------------------------------- files
# Plain file I/O. The mount namespace limits paths to the read-only image,
# size-capped tmpfs mounts and a minimal /dev. Without capabilities, DAC
# decides the rest.
allow read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek
allow open openat openat2 creat close close_range
allow stat fstat lstat newfstatat statx statfs fstatfs
# faccessat2: glibc >= 2.33 uses it for faccessat(AT_EACCESS) (bash's test -x)
# and falls back only on ENOSYS, so it must be allowed, not denied.
allow access faccessat faccessat2
allow readlink readlinkat getdents getdents64 getcwd chdir fchdir
allow mkdir mkdirat rmdir rename renameat renameat2 unlink unlinkat
allow link linkat symlink symlinkat
# Without CAP_FOWNER/CAP_CHOWN these only apply to the job's own files.
# fchmodat2 (glibc >= 2.39 lchmod) falls back only on ENOSYS.
allow chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat umask
allow truncate ftruncate fallocate fsync fdatasync syncfs sync_file_range
allow utime utimes utimensat futimesat
allow dup dup2 dup3 fcntl flock
# mknod: without CAP_MKNOD only FIFOs, sockets and regular files (mkfifo).
allow mknod mknodat
# Extended attributes: ls, cp -a and tar read them; trusted.* and security.*
# writes need capabilities.
allow getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr
# Zero-copy copies (cp, cargo, rustc, Go's io.Copy, node's fs.copyFile).
allow sendfile copy_file_range splice tee
allow fadvise64 readahead
# ioctl: isatty (TCGETS), FIONREAD, FIONBIO, FIOCLEX, terminal window size.
# TIOCSTI and the other tty attacks need a tty, and the sandbox gives the job
# none (stdio are pipes, /dev has no tty, ptmx or pts).
allow ioctl

# ---------------------------------------------------------------- events, IPC
allow poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait
allow epoll_pwait2 eventfd eventfd2 pipe pipe2
allow futex futex_waitv futex_wake futex_wait futex_requeue

# ---------------------------------------------------------------- sockets
# The job has its own network namespace with only lo, so sockets reach only
# its own processes. Address families: AF_UNIX (1), AF_INET (2), AF_INET6
# (10) and AF_NETLINK (16). Other families are refused: AF_PACKET, AF_ALG,
# AF_VSOCK, AF_BLUETOOTH, AF_XDP and the rest are kernel attack surface no
# runtime here needs. A domain with stray upper bits fails the comparison and
# is refused, never let through.
allow socket if arg0 == 1
allow socket if arg0 == 2
allow socket if arg0 == 10
# Netlink: only NETLINK_ROUTE (protocol 0). glibc getaddrinfo, getifaddrs and
# if_nameindex, Node's os.networkInterfaces and Go's net.Interfaces read links
# and addresses over rtnetlink; changing them needs CAP_NET_ADMIN. Every other
# protocol (NETLINK_AUDIT, SOCK_DIAG, NETFILTER, GENERIC with its dozens of
# families, ...) is refused: no runtime here needs one, each is parser code
# reachable without capabilities, and creating a socket of a protocol no
# module has registered yet makes the host kernel load that module.
allow socket if arg0 == 16 and arg2 == 0
allow socketpair bind listen accept accept4 connect shutdown getsockname getpeername
allow sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg setsockopt getsockopt

# ---------------------------------------------------------------- scheduling, time, limits
# Affinity is limited by the cgroup cpuset. Raising priority or choosing a
# realtime policy needs CAP_SYS_NICE (RLIMIT_RTPRIO is 0), so the setters can
# only lower the job's own priority.
allow sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_setparam
allow sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min
allow sched_rr_get_interval sched_getattr sched_setattr getpriority setpriority
allow ioprio_get ioprio_set getcpu
# Clocks, sleeps and timers (the vDSO covers most reads, but not all).
allow clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday time times
allow getitimer setitimer timer_create timer_settime timer_gettime timer_getoverrun timer_delete
allow timerfd_create timerfd_settime timerfd_gettime
# Limits and usage. Raising a hard limit needs CAP_SYS_RESOURCE.
allow getrlimit setrlimit prlimit64 getrusage
# sysinfo backs sysconf(_SC_PHYS_PAGES), which sizes gcc's garbage collector
# and the JVM's default heap.
allow uname sysinfo getrandom
# Self-confinement only ever narrows what the job can do: stacking a stricter
# seccomp filter (no_new_privs is set).
allow seccomp

# ---------------------------------------------------------------- ENOSYS: fall back
# These calls are refused with ENOSYS, as on a kernel without them, because
# glibc, liburing and libuv fall back only on ENOSYS:
#   clone3: its flags sit in a struct in memory, where seccomp cannot inspect
#     them (the CLONE_NEW* check above needs a register). glibc >= 2.34 tries
#     clone3 for pthread_create and posix_spawn and uses clone when it gets
#     ENOSYS.
#   io_uring_*: the operations it runs are not syscalls, so this filter never
#     sees them, and io_uring has a long record of privilege escalation bugs.
#     libuv (node >= 20) and liburing use epoll and threads without it.
errno ENOSYS clone3 io_uring_setup io_uring_enter io_uring_register

# ---------------------------------------------------------------- KILL: never legitimate
# Loading code into the kernel or rebooting it. Capabilities already refuse
# these, so an attempt is a deliberate probe, not a runtime degrading
# gracefully. The process dies of SIGSYS and the job is reported as
# SECCOMP_VIOLATION.
kill kexec_load kexec_file_load init_module finit_module delete_module reboot

# ---------------------------------------------------------------- knowingly excluded (EPERM)
# Listed explicitly so that the intent is auditable and so that a later
# "allow" for any of them fails to parse. They all return EPERM (the default),
# which is also what an unprivileged process would get from most of them.
#
# Mounts and filesystem views: the job's mount namespace is built by the
# executor before exec. The job must not rearrange it or escape it.
errno EPERM mount umount2 pivot_root chroot
errno EPERM fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr
# Namespaces: entering or creating them (unshare(CLONE_NEWUSER) is the same
# privilege gain as clone with CLONE_NEWUSER, see above).
errno EPERM unshare setns
# Debugging and inspecting processes: ptrace is the classic way around a
# seccomp filter (before kernel 4.8 a tracer could rewrite a syscall after the
# filter had checked it), and the others give ptrace-class access to another
# process's memory or files. EPERM, so that runtimes probing ptrace
# (sanitizers, crash handlers) degrade gracefully.
errno EPERM ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd process_madvise
# Kernel keyrings: no runtime here needs them, and the keyring code has a
# history of reference-count and use-after-free bugs (CVE-2016-0728).
errno EPERM keyctl add_key request_key
# eBPF, perf, userfaultfd: large kernel attack surface, and perf and
# userfaultfd are building blocks for exploit timing and race widening.
errno EPERM bpf perf_event_open userfaultfd
# File handles bypass path-based confinement (the "shocker" container escape).
errno EPERM open_by_handle_at name_to_handle_at
# Raw x86 I/O ports and LDT changes: no runtime here needs them, and
# modify_ldt has had escalation bugs.
errno EPERM iopl ioperm modify_ldt
# Host-wide administration: swap, process accounting, quotas, kernel log,
# terminals, hostname (UTS is private anyway), system time.
errno EPERM swapon swapoff acct quotactl quotactl_fd lookup_dcookie syslog vhangup
errno EPERM sethostname setdomainname
errno EPERM settimeofday clock_settime clock_adjtime adjtimex
# fanotify watches whole filesystems (mounts shared with the host image).
errno EPERM fanotify_init fanotify_mark
# inotify: the image is one directory tree shared read-only by every job that
# uses it, so a watch on an image file (IN_ACCESS, IN_OPEN) reports every
# other job's and the host's reads of it: a side channel between jobs. It is
# only wanted by watch modes (node's fs.watch, build tools' --watch), never by
# a run that compiles once and exits.
errno EPERM inotify_init inotify_init1 inotify_add_watch inotify_rm_watch
# Linux AIO: io_setup reserves from the host-wide aio-max-nr pool shared by
# every job, so one job could starve the others. No runtime here uses it.
errno EPERM io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents
# sync() writes back every filesystem on the host, which lets one job cause
# I/O stalls for everyone. fsync/syncfs on the job's own files stay allowed.
# vmsplice: past privilege escalations, and no runtime needs it.
errno EPERM sync vmsplice
# NUMA placement changes: CAP_SYS_NICE territory, and they can reach pages of
# other processes (migrate_pages, move_pages). The JVM and libnuma run
# without them.
errno EPERM set_mempolicy mbind migrate_pages move_pages set_mempolicy_home_node
# Page-cache residency of files shared with other jobs (the read-only image)
# is a side channel. memfd_secret and remap_file_pages are not needed.
errno EPERM cachestat memfd_secret remap_file_pages

# ------------------------------------------- removed from the allowlist (issue 13)
# Allowed once, refused since: the recording of every runtime across the
# language tier (seccomp/evidence/) never saw one of them, so each is kernel
# attack surface that no supported runtime uses.
# System V IPC and POSIX message queues: no runtime here uses them; Python's
# multiprocessing synchronises with POSIX semaphores, which are files in
# /dev/shm and futexes, and passes data over pipes. Both have a long record of
# kernel bugs (ipc/mqueue.c, ipc/msg.c), and the IPC namespace only keeps the
# objects private, not the code that handles them.
errno EPERM shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl
errno EPERM mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr
# Locking memory: the sandbox's RLIMIT_MEMLOCK is 0 (src/sandbox/limits.c), so
# every call could only fail with ENOMEM anyway; refusing them keeps the mm
# code for pinned pages out of reach.
errno EPERM mlock mlock2 munlock mlockall munlockall
# Writing extended attributes: the image is read-only and no runtime tags its
# files in /tmp; reading them (ls, cp -a probes) stays allowed above.
errno EPERM setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr
# Landlock: young kernel code (5.13) that no runtime here calls; a job that
# wants to confine itself further has seccomp.
errno EPERM landlock_create_ruleset landlock_add_rule landlock_restrict_self
