/* SPDX-License-Identifier: MIT
 * attack: load a BPF program and create a BPF map
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The host's parameters: key=value lines on stdin (see test_attacks.py). */
static __attribute__((unused)) const char *param(const char *key)
{
        static char buf[4096], val[1024];
        static size_t len;
        static int loaded;
        const char *p;
        ssize_t n;

        while (!loaded && (n = read(0, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t) n;
        loaded = 1;
        for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == '=') {
                        snprintf(val, sizeof(val), "%.*s", (int) strcspn(p + strlen(key) + 1, "\n"),
                                 p + strlen(key) + 1);
                        return val;
                }
        return "";
}

/* failed: the attempt returned an error, so the sandbox held. */
static __attribute__((unused)) void verdict(int failed, const char *what)
{
        if (failed)
                printf("HELD: %s (%s)\n", what, strerror(errno));
        else
                printf("BROKEN: %s\n", what);
        fflush(stdout);
}

/* Before a call that the runtime's seccomp profile may answer by killing. */
static __attribute__((unused)) void trying(const char *what)
{
        printf("trying: %s\n", what);
        fflush(stdout);
}

static __attribute__((unused)) int over(void)
{
        puts("attack over");
        return 0;
}

#include <linux/bpf.h>

int main(void)
{
        struct bpf_insn prog[] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
                                   { .code = BPF_JMP | BPF_EXIT } };
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.map_type = BPF_MAP_TYPE_ARRAY;
        attr.key_size = 4;
        attr.value_size = 4;
        attr.max_entries = 1;
        trying("bpf");
        verdict(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)) < 0, "BPF_MAP_CREATE");
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
        attr.insns = (unsigned long) prog;
        attr.insn_cnt = 2;
        attr.license = (unsigned long) "GPL";
        verdict(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) < 0, "BPF_PROG_LOAD");
        return over();
}
