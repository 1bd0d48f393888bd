/* SPDX-License-Identifier: MIT
 * attack: load a BPF program and create a BPF map
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
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
