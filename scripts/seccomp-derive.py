#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Derives a runtime's seccomp profile from the recorded evidence.

    scripts/seccomp-derive.py [--out DIR] RUNTIME...   writes seccomp/RUNTIME.profile
                                                       (or DIR/RUNTIME.profile)

The profile keeps the rules and the comments of seccomp/default.profile,
narrowed to the syscalls in seccomp/evidence/RUNTIME.syscalls (what the
runtime's compiler and the language tier's programs made inside the sandbox,
scripts/seccomp-record.py) plus the additions below, each with its reason.
Its default action is kill: a program that strays is reported as
SECCOMP_VIOLATION. Recorded calls that the default profile refuses keep
their refusal, so the runtime's fallback still works.
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Not seen in the recordings, but any program of any runtime may make them in
# ordinary operation; each reason is written into the profile.
BASE_ADDITIONS = [
    ("rt_sigreturn", "returning from any signal handler (runtimes install them for SIGSEGV, SIGINT, ...)"),
    ("restart_syscall", "the kernel restarts an interrupted sleep with it"),
    ("exit exit_group", "thread and process exit"),
    ("nanosleep clock_nanosleep", "sleeping"),
    ("clock_gettime clock_getres gettimeofday time",
     "clock reads: the vDSO answers them, except on clock sources it cannot read (common in VMs)"),
    ("sched_yield", "spin-wait back-off in libc, libstdc++ and every runtime here"),
    ("getpid gettid getppid getuid geteuid getgid getegid", "identity queries (seeds, logging, getpwuid)"),
    ("dup dup2 dup3 pipe pipe2 fcntl", "descriptor plumbing"),
    ("poll ppoll", "waiting for input"),
    ("read write readv writev pread64 lseek close", "I/O on stdin, stdout and files"),
    ("openat newfstatat fstat statx access faccessat faccessat2 readlink getcwd",
     "opening and examining files (the image and /tmp)"),
    ("brk mmap munmap mremap mprotect madvise", "memory management paths small programs do not reach"),
    ("futex set_robust_list rseq set_tid_address arch_prctl", "threads and libc start-up"),
    ("clone", "threads (without namespace flags, as in the default profile)"),
    ("rt_sigaction rt_sigprocmask sigaltstack", "signal set-up, and alternate stacks for stack-overflow handlers"),
    ("tgkill", "abort() and raise()"),
    ("uname sysinfo sched_getaffinity", "platform and CPU-count queries"),
    ("getrlimit prlimit64 getrusage", "resource queries (stack size, CPU time)"),
    ("getrandom", "random seeds and hash randomisation"),
    ("wait4 sendto", "the sandbox's own init, which waits for the program and reports to the supervisor"),
    ("signalfd4", "the sandbox's own init, which waits for SIGCHLD and its supervisor's hang-up together"),
    ("execve chdir close_range", "the sandbox's own start of the program"),
]

# Per runtime: what its programs plausibly do beyond the language tier.
RUNTIME_ADDITIONS = {
    "python": [("unlink unlinkat mkdir rmdir rename getdents64 ftruncate fsync",
                "tempfile, os and shutil on /tmp"),
               ("kill", "multiprocessing terminates its pool's workers (only the job's own processes)"),
               ("setsid setpgid getpgid getsid",
                "os.setsid, and subprocess's start_new_session and process_group for the job's own children"),
               ("statfs fstatfs", "multiprocessing looks for room in /dev/shm before it places shared values"),
               ("epoll_ctl epoll_wait epoll_pwait", "selectors and asyncio, once epoll_create1 made the epoll"),
               ("getpeername",
                "repr() of a socket, which CPython also builds for the ResourceWarning when an unclosed "
                "socket is finalized: a program that leaves its AF_UNIX socket open was killed at exit")],
    "cpp": [("getdents64 fallocate",
             "the gold linker, which C++ function mode links with (-fuse-ld=gold, rootfs/runtimes/cpp.json): "
             "it lists directories and preallocates its output")],
    "javascript": [("unlink mkdir rmdir rename getdents64 ftruncate fsync", "fs on /tmp"),
                   ("sched_getparam sched_getscheduler",
                    "Node 24's V8Worker threads read their own scheduling parameters (pthread_getschedparam) "
                    "when a background task (concurrent GC, compilation) reaches them: timing-dependent, so a "
                    "recording may miss it (strace of the workload on Node 24.21: in 2 of 8 runs; every "
                    "TypeScript compile on Node 24 makes it, seccomp/evidence/typescript.syscalls)")],
    "typescript": [("unlink mkdir rmdir rename getdents64 ftruncate fsync", "fs on /tmp")],
}

DEFAULT_COMMENT = [
    "# Anything not listed kills the program: the recording shows the runtime never",
    "# needs it, so a call is a program straying, reported as SECCOMP_VIOLATION.",
]
# What the sandbox's init does under the filter, on a line of its own where
# the default profile's comment is about something else.
INIT_PLUMBING = {"sendto", "sendmsg", "wait4"}
PLUMBING_COMMENT = [
    "# The sandbox's init reports the program's exit status to the supervisor",
    "# over the socket it was born with; no socket(2) is needed for that.",
]

# The default profile's socket block is about which sockets socket(2) may
# make; a runtime that makes none but uses socketpair(2) gets this instead.
SOCKETPAIR_COMMENT = [
    "# Socket pairs: socketpair(2) makes connected AF_UNIX sockets inside the",
    "# sandbox only (Rust 1.85+'s std makes one whenever it spawns a child:",
    "# rustc starting its linker; recorded in seccomp/evidence/rust.syscalls);",
    "# socket(2) itself is not allowed for this runtime.",
]

# A socket block whose family the runtime never created (netlink) keeps only
# the calls on sockets, which this comment is about instead.
SOCKET_CALLS_COMMENT = [
    "# Calls on the sockets the runtime made (the families above, socket pairs)",
    "# and on the socket the sandbox's init was born with.",
]

# Runtimes whose programs run on another runtime's interpreter: TypeScript
# compiles to JavaScript that node runs exactly as the javascript runtime.
SHARED_EVIDENCE = {"typescript": ["javascript"]}

RULE = re.compile(r"^(allow|kill|errno\s+\S+)\s+(.*)$")
# socket(2)'s families by the numbers default.profile's conditions compare
# arg0 with (x86_64 and aarch64 alike)
FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16}
FAMILY_COND = re.compile(r"^arg0 == (\d+)\b")


def parse_evidence(runtime):
    names = {}
    for line in open(os.path.join(TOP, "seccomp", "evidence", runtime + ".syscalls")):
        if line.startswith("#"):
            continue
        f = line.split()
        names[f[0]] = f[2]
    return names


def socket_families(runtime):
    """The socket families the recording saw (its '# socket families:' line),
    as numbers, or None for evidence recorded before families were."""
    for line in open(os.path.join(TOP, "seccomp", "evidence", runtime + ".syscalls")):
        if line.startswith("# socket families:"):
            return {FAMILIES.get(f.split(":")[0], -1) for f in line.split(":", 1)[1].split()}
    return None


def family_recorded(names, cond, families):
    """A socket rule of the default profile is kept for the families the
    runtime was seen to create only: one AF_UNIX socket does not open AF_INET."""
    m = FAMILY_COND.match(cond)
    return families is None or names != ["socket"] or not m or int(m.group(1)) in families


def additions(runtime):
    out = []
    for names, why in BASE_ADDITIONS + RUNTIME_ADDITIONS.get(runtime, []):
        out.append((names.split(), why))
    return out


def blocks(path):
    """default.profile as (comment_lines, [(line, action, names, condition)]) groups."""
    out, comments, rules = [], [], []
    for raw in open(path):
        line = raw.rstrip("\n")
        text = line.split("#", 1)[0].strip()
        if not text and line.strip().startswith("#"):
            if rules:
                out.append((comments, rules))
                comments, rules = [], []
            comments.append(line)
        elif not text:
            if comments or rules:
                out.append((comments, rules))
            comments, rules = [], []
        else:
            m = RULE.match(text)
            if text.startswith(("default", "newer")) or not m:
                out.append((comments, [(line, None, [], "")]))
                comments, rules = [], []
                continue
            body, cond = m.group(2), ""
            if " if " in body:
                body, cond = body.split(" if ", 1)
            rules.append((line, m.group(1), body.split(), cond))
    if comments or rules:
        out.append((comments, rules))
    return out


def render_rule(action, names, cond):
    return "%s %s%s" % (action, " ".join(names), " if " + cond if cond else "")


def derive(runtime):
    recorded = parse_evidence(runtime)
    for other in SHARED_EVIDENCE.get(runtime, []):
        for name, outcome in parse_evidence(other).items():
            recorded.setdefault(name, outcome)
    added = additions(runtime)
    families = socket_families(runtime)
    # the runtime was seen creating fewer families than the default allows
    narrowed = families is not None and not set(FAMILIES.values()) <= families
    keep = set(recorded) | {n for names, _ in added for n in names}
    emitted, out, section = set(), [], None
    for comments, rules in blocks(os.path.join(TOP, "seccomp", "default.profile")):
        lines, only_plumbing, dropped = [], True, False
        for c in comments:
            if c.startswith("# ---"):
                section = c
        comments = [c for c in comments if not c.startswith("# ---")]
        for line, action, names, cond in rules:
            if action is None:
                if line.startswith("default"):
                    comments = DEFAULT_COMMENT
                    lines.append("default kill")
                elif line.startswith("newer"):
                    lines.append(line)
                continue
            kept = names if action == "kill" else [n for n in names if n in keep]
            if action == "allow" and not family_recorded(kept, cond, families):
                dropped = True
                continue
            if kept and action == "allow" and set(kept) <= INIT_PLUMBING and not set(names) <= INIT_PLUMBING:
                # what is left of the rule is the init's plumbing, which the
                # block's own comment is not about: say what it is for
                lines.extend(PLUMBING_COMMENT)
            elif kept:
                only_plumbing = False
            if kept:
                lines.append(render_rule(action, kept, cond))
                emitted.update(kept)
        if (dropped or narrowed) and any(line.startswith("allow socket if") for line in lines):
            names = sorted(n for n, v in FAMILIES.items() if v in families)
            said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            lines[:0] = ["# This runtime was recorded creating sockets of %s only" % said,
                         "# (the '# socket families' line of seccomp/evidence/%s.syscalls):" % runtime,
                         "# socket(2) of any other family kills the program."]
        elif dropped:
            # the block's comment is about the family dropped (netlink)
            comments = SOCKET_CALLS_COMMENT
        if lines and only_plumbing and lines[0] == PLUMBING_COMMENT[0]:
            comments = []
        kept_names = {n for line in lines if not line.startswith("#") for n in line.split()[1:]}
        if "socketpair" in kept_names and "socket" not in keep:
            comments = SOCKETPAIR_COMMENT
        if lines:
            if section:
                out.append(section)
                section = None
            out.extend(c for c in comments if not c.startswith("# CodeRunner default"))
            out.extend(lines)
            out.append("")
    refused = sorted(n for n in keep - emitted if n in recorded)
    if refused:
        out += ["# ---------------------------------------------------------------- probed, refused",
                "# The runtime tries these; the default profile refuses them by default",
                "# (EPERM), and so does this one, so the runtime's fallback works.",
                "errno EPERM " + " ".join(refused), ""]
    return header(runtime, recorded, added) + out


def header(runtime, recorded, added):
    h = ["# CodeRunner seccomp profile for the %s runtime (rootfs/runtimes/%s.json)." % (runtime, runtime),
         "#",
         "# Derived from evidence by scripts/seccomp-derive.py: seccomp/evidence/%s" % " and ".join(
             [runtime + ".syscalls"] + [o + ".syscalls" for o in SHARED_EVIDENCE.get(runtime, [])]),
         "# list the %d syscalls its compiler and the language tier's programs made" % len(recorded),
         "# inside the sandbox (scripts/seccomp-record.py, under strace). This profile",
         "# keeps the rules and comments of seccomp/default.profile for exactly those,",
         "# plus the additions below, and kills on anything else: a program that strays",
         "# is reported as SECCOMP_VIOLATION, naming the syscall. Calls the runtime was",
         "# seen to try that the default profile refuses are still refused, with the",
         "# same errno, so the runtime falls back as it does under the default.",
         "#",
         "# Added beyond the recording, because ordinary programs of this runtime make",
         "# them on paths the language tier does not reach:"]
    for names, why in added:
        extra = [n for n in names if n not in recorded]
        if extra:
            h.append("#   %s: %s" % (" ".join(extra), why))
    return h + [""]


def main():
    args, out = sys.argv[1:], os.path.join(TOP, "seccomp")
    if args[:1] == ["--out"] and len(args) > 1:
        # tests/unit/test-seccomp-derive.sh: derive into a scratch directory
        out, args = args[1], args[2:]
    for rt in args:
        text = "\n".join(derive(rt)).rstrip("\n") + "\n"
        path = os.path.join(out, rt + ".profile")
        with open(path, "w") as f:
            f.write(text)
        print(path)


if __name__ == "__main__":
    main()
