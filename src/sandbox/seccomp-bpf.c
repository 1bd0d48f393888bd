/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "seccomp-model.h"

/* A user-space evaluator for compiled seccomp programs: `coderunner seccomp
 * test` answers what the kernel would do with one exact call by running the
 * very program the sandbox installs, not by re-reading the profile.
 *
 * It implements the classic BPF subset the kernel accepts for seccomp
 * (kernel/seccomp.c seccomp_check_filter): loads of the 32-bit words of
 * struct seccomp_data, immediates and scratch memory, ALU, forward jumps and
 * returns. Jumps only go forward, so a program runs at most len
 * instructions. */

#define SCRATCH_WORDS 16

struct machine {
        uint32_t a, x, mem[SCRATCH_WORDS];
        const struct seccomp_data *data;
};

static int load_abs(const struct machine *m, uint32_t k, uint32_t *ret)
{
        if (k % 4 != 0 || k > sizeof(struct seccomp_data) - 4)
                return -EINVAL;
        memcpy(ret, (const char *)m->data + k, 4);
        return 0;
}

static int alu(struct machine *m, uint16_t code, uint32_t k)
{
        uint32_t v = BPF_SRC(code) == BPF_X ? m->x : k;

        switch (BPF_OP(code)) {
        case BPF_ADD:
                m->a += v;
                break;
        case BPF_SUB:
                m->a -= v;
                break;
        case BPF_MUL:
                m->a *= v;
                break;
        case BPF_DIV:
                if (v == 0)
                        return -EDOM;
                m->a /= v;
                break;
        case BPF_MOD:
                if (v == 0)
                        return -EDOM;
                m->a %= v;
                break;
        case BPF_OR:
                m->a |= v;
                break;
        case BPF_AND:
                m->a &= v;
                break;
        case BPF_XOR:
                m->a ^= v;
                break;
        case BPF_LSH:
                m->a = v < 32 ? m->a << v : 0;
                break;
        case BPF_RSH:
                m->a = v < 32 ? m->a >> v : 0;
                break;
        case BPF_NEG:
                m->a = -m->a;
                break;
        default:
                return -EINVAL;
        }
        return 0;
}

static bool jump_taken(const struct machine *m, uint16_t code, uint32_t k)
{
        uint32_t v = BPF_SRC(code) == BPF_X ? m->x : k;

        switch (BPF_OP(code)) {
        case BPF_JEQ:
                return m->a == v;
        case BPF_JGT:
                return m->a > v;
        case BPF_JGE:
                return m->a >= v;
        case BPF_JSET:
                return (m->a & v) != 0;
        default:
                return false;
        }
}

/* Loads and stores. Returns 0, or -EINVAL for an instruction seccomp
 * refuses. */
static int load_store(struct machine *m, const struct sock_filter *f)
{
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
                return load_abs(m, f->k, &m->a);
        case BPF_LD | BPF_W | BPF_LEN:
                m->a = sizeof(struct seccomp_data);
                return 0;
        case BPF_LDX | BPF_W | BPF_LEN:
                m->x = sizeof(struct seccomp_data);
                return 0;
        case BPF_LD | BPF_IMM:
                m->a = f->k;
                return 0;
        case BPF_LDX | BPF_IMM:
                m->x = f->k;
                return 0;
        case BPF_MISC | BPF_TAX:
                m->x = m->a;
                return 0;
        case BPF_MISC | BPF_TXA:
                m->a = m->x;
                return 0;
        }
        if (f->k >= SCRATCH_WORDS)
                return -EINVAL;
        switch (f->code) {
        case BPF_LD | BPF_MEM:
                m->a = m->mem[f->k];
                return 0;
        case BPF_LDX | BPF_MEM:
                m->x = m->mem[f->k];
                return 0;
        case BPF_ST:
                m->mem[f->k] = m->a;
                return 0;
        case BPF_STX:
                m->mem[f->k] = m->x;
                return 0;
        default:
                return -EINVAL;
        }
}

/* Runs from pc; returns the RET value, or -EINVAL for a malformed program
 * (a jump past the end, falling off the end, an unknown instruction). */
static int64_t run(struct machine *m, const struct sock_filter *prog, size_t len)
{
        for (size_t pc = 0; pc < len; pc++) {
                const struct sock_filter *f = &prog[pc];
                size_t skip;
                int r;

                switch (BPF_CLASS(f->code)) {
                case BPF_RET:
                        return BPF_RVAL(f->code) == BPF_A ? m->a : f->k;
                case BPF_ALU:
                        r = alu(m, f->code, f->k);
                        break;
                case BPF_JMP:
                        if (BPF_OP(f->code) == BPF_JA)
                                skip = f->k;
                        else
                                skip = jump_taken(m, f->code, f->k) ? f->jt : f->jf;
                        r = skip < len - pc - 1 ? 0 : -EINVAL;
                        pc += skip;
                        break;
                default:
                        r = load_store(m, f);
                }
                if (r < 0)
                        return r;
        }
        return -EINVAL;
}

int cr_seccomp_program_evaluate(const struct cr_seccomp_program *prog, const struct cr_seccomp_call *call,
                                uint32_t *ret_action, struct cr_error **err)
{
        struct seccomp_data data = {
                .nr = call->nr,
                .arch = call->arch ? call->arch : cr_seccomp_native_arch(),
                .instruction_pointer = call->ip,
        };
        struct machine m = {.data = &data};
        int64_t v;

        memcpy(data.args, call->args, sizeof(data.args));
        if (!prog || !prog->filter || prog->len == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "empty BPF program");
        v = run(&m, prog->filter, prog->len);
        if (v < 0)
                return cr_error_make(err, (int)-v, CR_ERROR_INVALID, "malformed seccomp BPF program");
        *ret_action = (uint32_t)v;
        return 0;
}

int cr_seccomp_describe_action(uint32_t action, struct cr_buf *out)
{
        uint32_t data = action & SECCOMP_RET_DATA;
        const char *n;

        switch (action & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ALLOW:
                return cr_buf_printf(out, "allow");
        case SECCOMP_RET_ERRNO:
                n = errno_name((int)data);
                return n ? cr_buf_printf(out, "errno %s (%u)", n, data)
                         : cr_buf_printf(out, "errno %u", data);
        case SECCOMP_RET_KILL_PROCESS:
                return cr_buf_printf(out, "kill (the process dies of SIGSYS)");
        case SECCOMP_RET_KILL_THREAD:
                return cr_buf_printf(out, "kill-thread (the thread dies of SIGSYS)");
        case SECCOMP_RET_TRAP:
                return cr_buf_printf(out, "trap (SIGSYS, data %u)", data);
        case SECCOMP_RET_TRACE:
                return cr_buf_printf(out, "trace (message %u; ENOSYS without a tracer)", data);
        case SECCOMP_RET_LOG:
                return cr_buf_printf(out, "log (allowed, and logged)");
        case SECCOMP_RET_USER_NOTIF:
                return cr_buf_printf(out, "user notification");
        default:
                return cr_buf_printf(out, "unknown action %#x (treated as kill)", action);
        }
}
