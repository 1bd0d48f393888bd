# CodeRunner seccomp profile for the csharp runtime (rootfs/runtimes/csharp.json).
#
# Derived from evidence by scripts/seccomp-derive.py: seccomp/evidence/csharp.syscalls
# list the 66 syscalls its compiler and the language tier's programs made
# inside the sandbox (scripts/seccomp-record.py, under strace). This profile
# keeps the rules and comments of seccomp/default.profile for exactly those,
# plus the additions below, and kills on anything else: a program that strays
# is reported as SECCOMP_VIOLATION, naming the syscall. Calls the runtime was
# seen to try that the default profile refuses are still refused, with the
# same errno, so the runtime falls back as it does under the default.
#
# Added beyond the recording, because ordinary programs of this runtime make
# them on paths the language tier does not reach:
#   restart_syscall: the kernel restarts an interrupted sleep with it
#   nanosleep: sleeping
#   clock_gettime clock_getres gettimeofday time: clock reads: the vDSO answers them, except on clock sources it cannot read (common in VMs)
#   gettid getppid getgid: identity queries (seeds, logging, getpwuid)
#   dup dup3 pipe pipe2: descriptor plumbing
#   ppoll: waiting for input
#   readv writev: I/O on stdin, stdout and files
#   statx faccessat faccessat2: opening and examining files (the image and /tmp)
#   mremap: memory management paths small programs do not reach
#   getrlimit: resource queries (stack size, CPU time)

# Anything not listed kills the program: the recording shows the runtime never
# needs it, so a call is a program straying, reported as SECCOMP_VIOLATION.
default kill

# Syscalls numbered above everything libseccomp can name (newer than this
# profile could have been reviewed against) fail with ENOSYS, as on an older
# kernel. A libc that tries a new call first (fchmodat2, statmount, ...) then
# takes its fallback path instead of failing with EPERM.
newer errno ENOSYS

# ---------------------------------------------------------------- processes
# Program start and exit, exec (compilers spawn cc1/as/ld, go build spawns
# compile/link, shells spawn everything), waiting for children.
allow execve exit exit_group wait4 restart_syscall

# Thread and process creation. clone is allowed only without namespace flags:
# the mask is CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|
# CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET. A new user namespace would give the
# job a full capability set inside it, and with that it could mount
# filesystems and configure networks: the main entry point to kernel
# exploits. CLONE_NEWTIME cannot be passed to clone(2) (its bit is part of the
# exit signal). Threads (pthread_create, Go's newosproc, JVM/mono/V8
# threads), fork, vfork and posix_spawn (CLONE_VM|CLONE_VFORK) all pass.
allow clone if arg0 & 0x7E020000 == 0

# Per-thread libc and runtime setup: TLS, robust futex lists, restartable
# sequences (glibc >= 2.35 registers rseq in every thread).
allow arch_prctl set_tid_address set_robust_list rseq

# prctl: PR_SET_NAME (JVM, Go and Node thread names), PR_SET_PDEATHSIG,
# PR_SET_VMA (anonymous mapping names), PR_SET_NO_NEW_PRIVS, PR_GET_*. The
# options that could raise privilege need capabilities the job does not have.
allow prctl

# Process identity and groups. The setters are safe with no CAP_SETUID or
# CAP_SETGID: the kernel then only lets a process switch among its own ids.
allow getpid getppid gettid
allow getuid geteuid getgid getegid

# Signals. The pid namespace limits kill/tkill/tgkill/pidfd_send_signal to the
# job's own processes. pidfd_open gives race-free process handles (Python
# 3.9+, glibc pidfd_spawn, Go 1.22+) with the same authority as kill(2).
allow tgkill
allow rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend
allow sigaltstack signalfd4

# ---------------------------------------------------------------- memory
# Heaps, JIT code (V8, HotSpot, mono and the Go runtime map memory RW and then
# RX), GC barriers (membarrier: the JVM and mono), locking (limited by
# RLIMIT_MEMLOCK, charged to the job's memory cgroup), and page residency
# (mincore: HotSpot probes stack guard pages with it). Memory protection keys
# (V8's W^X JIT pages) and shadow stacks (glibc CET) only narrow access.
allow brk mmap munmap mremap mprotect madvise

# ---------------------------------------------------------------- files
# Plain file I/O. The mount namespace limits paths to the read-only image,
# size-capped tmpfs mounts and a minimal /dev. Without capabilities, DAC
# decides the rest.
allow read write readv writev pread64 lseek
allow openat close close_range
allow fstat newfstatat statx

# faccessat2: glibc >= 2.33 uses it for faccessat(AT_EACCESS) (bash's test -x)
# and falls back only on ENOSYS, so it must be allowed, not denied.
allow access faccessat faccessat2
allow readlink getdents64 getcwd chdir
allow unlink

# Without CAP_FOWNER/CAP_CHOWN these only apply to the job's own files.
# fchmodat2 (glibc >= 2.39 lchmod) falls back only on ENOSYS.
allow chmod
allow ftruncate
allow dup dup2 dup3 fcntl

# Zero-copy copies (cp, cargo, rustc, Go's io.Copy, node's fs.copyFile).
allow fadvise64

# ioctl: isatty (TCGETS), FIONREAD, FIONBIO, FIOCLEX, terminal window size.
# TIOCSTI and the other tty attacks need a tty, and the sandbox gives the job
# none (stdio are pipes, /dev has no tty, ptmx or pts).
allow ioctl

# ---------------------------------------------------------------- events, IPC
allow poll ppoll
allow pipe pipe2
allow futex

# ---------------------------------------------------------------- sockets
# The job has its own network namespace with only lo, so sockets reach only
# its own processes. Address families: AF_UNIX (1), AF_INET (2), AF_INET6
# (10) and AF_NETLINK (16). Other families are refused: AF_PACKET, AF_ALG,
# AF_VSOCK, AF_BLUETOOTH, AF_XDP and the rest are kernel attack surface no
# runtime here needs. A domain with stray upper bits fails the comparison and
# is refused, never let through.
# This runtime was recorded creating sockets of AF_UNIX only
# (the '# socket families' line of seccomp/evidence/csharp.syscalls):
# socket(2) of any other family kills the program.
allow socket if arg0 == 1

# Calls on the sockets the runtime made (the families above, socket pairs)
# and on the socket the sandbox's init was born with.
allow connect
# The sandbox's init reports the program's exit status to the supervisor
# over the socket it was born with; no socket(2) is needed for that.
allow sendto

# ---------------------------------------------------------------- scheduling, time, limits
# Affinity is limited by the cgroup cpuset. Raising priority or choosing a
# realtime policy needs CAP_SYS_NICE (RLIMIT_RTPRIO is 0), so the setters can
# only lower the job's own priority.
allow sched_yield sched_getaffinity sched_getparam
allow sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min

# Clocks, sleeps and timers (the vDSO covers most reads, but not all).
allow clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday time

# Limits and usage. Raising a hard limit needs CAP_SYS_RESOURCE.
allow getrlimit prlimit64 getrusage

# sysinfo backs sysconf(_SC_PHYS_PAGES), which sizes gcc's garbage collector
# and the JVM's default heap.
allow uname sysinfo getrandom

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
errno ENOSYS clone3

# ---------------------------------------------------------------- KILL: never legitimate
# Loading code into the kernel or rebooting it. Capabilities already refuse
# these, so an attempt is a deliberate probe, not a runtime degrading
# gracefully. The process dies of SIGSYS and the job is reported as
# SECCOMP_VIOLATION.
kill kexec_load kexec_file_load init_module finit_module delete_module reboot
