/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "xalloc.h"

/* Bounds on operator-supplied profiles: they are parsed by a privileged
 * process, so nothing in them may grow memory or CPU use without limit. */
#define PROFILE_SIZE_MAX   (256U * 1024U)
#define PROFILE_LINE_MAX   1024U
#define PROFILE_TOKENS_MAX 128U
#define PROFILE_RULES_MAX  2048U
#define SYSCALL_NAME_MAX   40U
#define ERRNO_VALUE_MAX    4095U /* the kernel's MAX_ERRNO */
#define ERRNO_NAME_SCAN    256   /* errno values searched for a symbolic name */
#define SYSCALL_NR_SCAN    8192  /* syscall numbers scanned for the highest known */
#define RULE_CONDS_MAX     6     /* one comparison per argument at most */
/* x86_64 tags x32 syscalls with this bit in nr while using AUDIT_ARCH_X86_64. */
#define X32_SYSCALL_BIT 0x40000000U

DEFINE_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

enum action_kind {
        ACTION_ALLOW,
        ACTION_ERRNO,
        ACTION_KILL,
        _ACTION_KIND_MAX,
        _ACTION_KIND_INVALID = -EINVAL,
};

struct action {
        enum action_kind kind;
        int errnum; /* ACTION_ERRNO only: 1..ERRNO_VALUE_MAX */
};

enum cmp_op {
        CMP_EQ,
        CMP_NE,
        CMP_LT,
        CMP_LE,
        CMP_GT,
        CMP_GE,
        CMP_MASKED_EQ,
        _CMP_OP_MAX,
        _CMP_OP_INVALID = -EINVAL,
};

struct condition {
        unsigned arg; /* 0..5 */
        enum cmp_op op;
        uint64_t mask; /* CMP_MASKED_EQ only */
        uint64_t value;
};

struct rule {
        char name[SYSCALL_NAME_MAX + 1];
        /* Native number, or a libseccomp pseudo number (< 0) for a syscall
         * that does not exist on this architecture (e.g. "open" on aarch64):
         * such rules are accepted so one profile serves every architecture,
         * and skipped at compile time. */
        int nr;
        unsigned line;
        struct action action;
        /* All must hold (AND), sorted by argument index; 0 = unconditional. */
        size_t n_conds;
        struct condition conds[RULE_CONDS_MAX];
};

struct cr_seccomp_profile {
        char *name; /* owned: file name or label for messages */
        struct action default_action;
        unsigned default_line; /* 0 until the "default" line is seen */
        struct action newer_action;
        unsigned newer_line; /* 0: no "newer" line */
        struct rule *rules;  /* owned: rules[n_rules] in profile order */
        size_t n_rules;
        size_t n_alloc;
};

struct parser {
        struct cr_seccomp_profile *profile; /* not owned */
        unsigned line;
};

static const char *const cmp_op_names[_CMP_OP_MAX] = {
        [CMP_EQ] = "==", [CMP_NE] = "!=", [CMP_LT] = "<",         [CMP_LE] = "<=",
        [CMP_GT] = ">",  [CMP_GE] = ">=", [CMP_MASKED_EQ] = "==",
};

static const enum scmp_compare cmp_op_to_scmp[_CMP_OP_MAX] = {
        [CMP_EQ] = SCMP_CMP_EQ,
        [CMP_NE] = SCMP_CMP_NE,
        [CMP_LT] = SCMP_CMP_LT,
        [CMP_LE] = SCMP_CMP_LE,
        [CMP_GT] = SCMP_CMP_GT,
        [CMP_GE] = SCMP_CMP_GE,
        [CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* Copies at most 32 bytes of an untrusted token for an error message, with
 * anything but printable ASCII replaced, so messages stay one clean line. */
static const char *printable(const char *s, char buf[static 40])
{
        size_t i;

        for (i = 0; s[i] && i < 32; i++)
                buf[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
        if (s[i]) {
                memcpy(buf + i, "...", 3);
                i += 3;
        }
        buf[i] = 0;
        return buf;
}

#define PRINTABLE(s) printable((s), (char[40]){})

static int parse_fail(const struct parser *ps, struct cr_error **err, const char *fmt, ...) _printf_(3, 4);

static int parse_fail(const struct parser *ps, struct cr_error **err, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        full = xasprintf("%s:%u: %s", ps->profile->name, ps->line ? ps->line : 1, msg);
        return cr_error_set_raw(err, EINVAL, CR_ERROR_INVALID, full);
}

static const char *errno_name(int errnum)
{
        return errnum > 0 && errnum < ERRNO_NAME_SCAN ? strerrorname_np(errnum) : NULL;
}

static bool actions_equal(const struct action *a, const struct action *b)
{
        return a->kind == b->kind && (a->kind != ACTION_ERRNO || a->errnum == b->errnum);
}

/* Decimal, or hexadecimal with 0x. No sign, no leading zeros (an auditor
 * could read "010" as octal), no surrounding text. */
static int parse_number(const char *s, uint64_t *ret)
{
        uint64_t v = 0;
        size_t i;

        if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
                if (s[0] == '0' && s[1] != 0)
                        return -EINVAL;
                return safe_atou64(s, ret);
        }
        if (s[2] == 0)
                return -EINVAL;
        for (i = 2; s[i]; i++) {
                char c = s[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned)(c - 'A' + 10);
                else
                        return -EINVAL;
                if (v > UINT64_MAX >> 4)
                        return -ERANGE;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

static int parse_errno(const struct parser *ps, const char *s, int *ret, struct cr_error **err)
{
        uint64_t v;

        if (s[0] >= '0' && s[0] <= '9') {
                if (parse_number(s, &v) < 0 || v == 0 || v > ERRNO_VALUE_MAX)
                        return parse_fail(ps, err, "invalid errno number '%s' (1-%u)", PRINTABLE(s),
                                          ERRNO_VALUE_MAX);
                *ret = (int)v;
                return 0;
        }
        for (int i = 1; i < ERRNO_NAME_SCAN; i++) {
                const char *n = errno_name(i);

                if (n && streq(n, s)) {
                        *ret = i;
                        return 0;
                }
        }
        return parse_fail(ps, err, "unknown errno name '%s'", PRINTABLE(s));
}

/* ACTION := allow | kill | errno NAME-OR-NUMBER. Consumes 1 or 2 tokens. */
static int parse_action(const struct parser *ps, char **tok, size_t n, size_t *consumed, struct action *ret,
                        struct cr_error **err)
{
        struct action a = {};
        int r;

        if (n == 0)
                return parse_fail(ps, err, "missing action (allow, errno NAME or kill)");
        if (streq(tok[0], "allow"))
                a.kind = ACTION_ALLOW;
        else if (streq(tok[0], "kill"))
                a.kind = ACTION_KILL;
        else if (streq(tok[0], "errno")) {
                if (n < 2)
                        return parse_fail(ps, err, "'errno' needs an error name or number");
                r = parse_errno(ps, tok[1], &a.errnum, err);
                if (r < 0)
                        return r;
                a.kind = ACTION_ERRNO;
        } else
                return parse_fail(ps, err,
                                  "unknown action '%s' (expected default, newer, allow, errno or kill)",
                                  PRINTABLE(tok[0]));
        *consumed = a.kind == ACTION_ERRNO ? 2 : 1;
        *ret = a;
        return 0;
}

static enum cmp_op cmp_op_from_string(const char *s)
{
        for (int i = 0; i < CMP_MASKED_EQ; i++)
                if (streq(cmp_op_names[i], s))
                        return (enum cmp_op)i;
        return _CMP_OP_INVALID;
}

static int parse_value(const struct parser *ps, const char *s, uint64_t *ret, struct cr_error **err)
{
        if (parse_number(s, ret) < 0)
                return parse_fail(ps, err, "invalid number '%s' (decimal, or hexadecimal with 0x, 64 bits)",
                                  PRINTABLE(s));
        return 0;
}

/* COMPARISON := argN OP VALUE | argN & MASK == VALUE (exactly n tokens) */
static int parse_comparison(const struct parser *ps, char **tok, size_t n, struct condition *ret,
                            struct cr_error **err)
{
        struct condition c = {};
        size_t want;
        int r;

        if (n == 0)
                return parse_fail(ps, err, "'if' needs a condition: argN OP VALUE or argN & MASK == VALUE");
        if (strlen(tok[0]) != 4 || strncmp(tok[0], "arg", 3) != 0 || tok[0][3] < '0' || tok[0][3] > '5')
                return parse_fail(ps, err, "expected arg0 to arg5, got '%s'", PRINTABLE(tok[0]));
        c.arg = (unsigned)(tok[0][3] - '0');
        c.op = n > 1 && streq(tok[1], "&") ? CMP_MASKED_EQ : cmp_op_from_string(n > 1 ? tok[1] : "");
        if (c.op < 0)
                return parse_fail(ps, err, "expected a comparison (== != < <= > >= or & MASK ==) after '%s'",
                                  tok[0]);
        want = c.op == CMP_MASKED_EQ ? 5 : 3;
        if (n < want || (c.op == CMP_MASKED_EQ && !streq(tok[3], "==")))
                return parse_fail(ps, err, "incomplete condition: expected %s",
                                  c.op == CMP_MASKED_EQ ? "argN & MASK == VALUE" : "argN OP VALUE");
        if (n > want)
                return parse_fail(ps, err, "unexpected token '%s' after the condition",
                                  PRINTABLE(tok[want]));
        if (c.op == CMP_MASKED_EQ) {
                r = parse_value(ps, tok[2], &c.mask, err);
                if (r < 0)
                        return r;
        }
        r = parse_value(ps, tok[want - 1], &c.value, err);
        if (r < 0)
                return r;
        if (c.op == CMP_MASKED_EQ && c.mask == 0)
                return parse_fail(ps, err, "mask 0 makes the condition always true");
        if (c.op == CMP_MASKED_EQ && (c.value & ~c.mask) != 0)
                return parse_fail(ps, err,
                                  "value %#" PRIx64 " has bits outside mask %#" PRIx64
                                  ": the condition could never be true",
                                  c.value, c.mask);
        *ret = c;
        return 0;
}

/* Keeps conds sorted by argument index; one comparison per argument (two on
 * one argument are either redundant or contradictory, and libseccomp takes
 * only one per argument in a rule). */
static int insert_condition(const struct parser *ps, struct rule *rule, const struct condition *c,
                            struct cr_error **err)
{
        size_t i = rule->n_conds;

        for (size_t j = 0; j < rule->n_conds; j++)
                if (rule->conds[j].arg == c->arg)
                        return parse_fail(ps, err, "arg%u is compared twice in one rule", c->arg);
        for (; i > 0 && rule->conds[i - 1].arg > c->arg; i--)
                rule->conds[i] = rule->conds[i - 1];
        rule->conds[i] = *c;
        rule->n_conds++;
        return 0;
}

/* COND := COMPARISON [and COMPARISON]...: every comparison must hold. */
static int parse_condition(const struct parser *ps, char **tok, size_t n, struct rule *ret,
                           struct cr_error **err)
{
        size_t start = 0;

        if (n == 0)
                return parse_fail(ps, err, "'if' needs a condition: argN OP VALUE or argN & MASK == VALUE");
        for (size_t i = 0; i <= n; i++) {
                struct condition c;
                int r;

                if (i < n && !streq(tok[i], "and"))
                        continue;
                if (i == start)
                        return parse_fail(ps, err, "'and' needs a comparison on each side");
                r = parse_comparison(ps, tok + start, i - start, &c, err);
                if (r >= 0)
                        r = insert_condition(ps, ret, &c, err);
                if (r < 0)
                        return r;
                start = i + 1;
        }
        return 0;
}

static bool conditions_equal(const struct rule *a, const struct rule *b)
{
        if (a->n_conds != b->n_conds)
                return false;
        for (size_t i = 0; i < a->n_conds; i++) {
                const struct condition *x = &a->conds[i], *y = &b->conds[i];

                if (x->arg != y->arg || x->op != y->op || x->mask != y->mask || x->value != y->value)
                        return false;
        }
        return true;
}

static int resolve_syscall(const struct parser *ps, const char *name, int *ret, struct cr_error **err)
{
        size_t len = strlen(name);
        int nr;

        if (len == 0 || len > SYSCALL_NAME_MAX ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
                return parse_fail(ps, err, "invalid syscall name '%s'", PRINTABLE(name));
        nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return parse_fail(ps, err, "unknown syscall '%s'", name);
        *ret = nr;
        return 0;
}

/* One action per syscall: conditions may narrow when it applies, but two
 * actions for one syscall would depend on libseccomp's overlap semantics,
 * which an auditor cannot read off the profile. */
static int check_conflicts(const struct parser *ps, const struct rule *new, struct cr_error **err)
{
        const struct cr_seccomp_profile *p = ps->profile;

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct rule *o = &p->rules[i];

                if (o->nr != new->nr)
                        continue;
                if (o->n_conds == 0 && new->n_conds == 0)
                        return parse_fail(ps, err, "syscall '%s' is already listed on line %u", new->name,
                                          o->line);
                if (o->n_conds == 0 || new->n_conds == 0)
                        return parse_fail(ps, err,
                                          "syscall '%s' has an unconditional and a conditional rule "
                                          "(other on line %u)",
                                          new->name, o->line);
                if (!actions_equal(&o->action, &new->action))
                        return parse_fail(ps, err, "syscall '%s' already has a different action on line %u",
                                          new->name, o->line);
                if (conditions_equal(o, new))
                        return parse_fail(ps, err, "duplicate rule for '%s' (first on line %u)", new->name,
                                          o->line);
        }
        return 0;
}

/* `conds`: the parsed condition (its action, name and nr are filled here). */
static int add_rule(struct parser *ps, const char *name, const struct action *action,
                    const struct rule *conds, struct cr_error **err)
{
        struct cr_seccomp_profile *p = ps->profile;
        struct rule rule = *conds;
        int r;

        rule.line = ps->line;
        rule.action = *action;
        r = resolve_syscall(ps, name, &rule.nr, err);
        if (r < 0)
                return r;
        memcpy(rule.name, name, strlen(name) + 1);
        r = check_conflicts(ps, &rule, err);
        if (r < 0)
                return r;
        if (p->n_rules >= PROFILE_RULES_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "%s:%u: more than %u rules", p->name,
                                    ps->line, PROFILE_RULES_MAX);
        if (p->n_rules == p->n_alloc) {
                size_t n = p->n_alloc ? p->n_alloc * 2 : 64;
                struct rule *rules = reallocarray(p->rules, n, sizeof(*rules));

                if (!rules)
                        return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "%s: rules", p->name);
                p->rules = rules;
                p->n_alloc = n;
        }
        p->rules[p->n_rules++] = rule;
        return 0;
}

/* "default ACTION" and "newer ACTION": exactly once / at most once, never
 * allow (the format only expresses allowlists). */
static int parse_global(struct parser *ps, char **tok, size_t n, struct cr_error **err)
{
        struct cr_seccomp_profile *p = ps->profile;
        bool is_default = streq(tok[0], "default");
        unsigned *line = is_default ? &p->default_line : &p->newer_line;
        struct action a;
        size_t used;
        int r;

        if (*line > 0)
                return parse_fail(ps, err, "duplicate '%s' line (first on line %u)", tok[0], *line);
        r = parse_action(ps, tok + 1, n - 1, &used, &a, err);
        if (r < 0)
                return r;
        if (1 + used < n)
                return parse_fail(ps, err, "unexpected token '%s' after the action",
                                  PRINTABLE(tok[1 + used]));
        if (a.kind == ACTION_ALLOW)
                return parse_fail(ps, err,
                                  "'%s allow' would allow syscalls nobody listed; profiles are allowlists",
                                  tok[0]);
        *line = ps->line;
        if (is_default)
                p->default_action = a;
        else
                p->newer_action = a;
        return 0;
}

/* ACTION SYSCALL... [if COND] */
static int parse_statement(struct parser *ps, char **tok, size_t n, struct cr_error **err)
{
        struct rule cond = {};
        struct action a;
        size_t first, end;
        int r;

        if (streq(tok[0], "default") || streq(tok[0], "newer"))
                return parse_global(ps, tok, n, err);
        r = parse_action(ps, tok, n, &first, &a, err);
        if (r < 0)
                return r;
        for (end = first; end < n && !streq(tok[end], "if"); end++)
                ;
        if (end == first)
                return parse_fail(ps, err, "no syscall named after the action");
        if (end < n) {
                if (end - first != 1)
                        return parse_fail(ps, err, "a conditional rule names exactly one syscall");
                r = parse_condition(ps, tok + end + 1, n - end - 1, &cond, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = first; i < end; i++) {
                r = add_rule(ps, tok[i], &a, &cond, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_line(struct parser *ps, const char *start, size_t len, struct cr_error **err)
{
        char buf[PROFILE_LINE_MAX + 1], *tok[PROFILE_TOKENS_MAX], *s, *hash;
        size_t n = 0;

        if (len > PROFILE_LINE_MAX)
                return parse_fail(ps, err, "line longer than %u bytes", PROFILE_LINE_MAX);
        if (memchr(start, 0, len))
                return parse_fail(ps, err, "NUL byte in profile");
        memcpy(buf, start, len);
        buf[len] = 0;
        hash = strchr(buf, '#');
        if (hash)
                *hash = 0;
        for (s = buf;;) {
                s += strspn(s, " \t\r\v\f");
                if (*s == 0)
                        break;
                if (n == PROFILE_TOKENS_MAX)
                        return parse_fail(ps, err, "more than %u tokens on one line", PROFILE_TOKENS_MAX);
                tok[n++] = s;
                s += strcspn(s, " \t\r\v\f");
                if (*s)
                        *s++ = 0;
        }
        return n > 0 ? parse_statement(ps, tok, n, err) : 0;
}

int cr_seccomp_profile_parse(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                             struct cr_error **err)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        struct parser ps = {};
        size_t pos = 0;
        int r;

        if (!name)
                name = "profile";
        if (!text && len > 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: no profile text", name);
        if (len > PROFILE_SIZE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "%s: profile larger than %u bytes", name,
                                    PROFILE_SIZE_MAX);
        p = xzalloc(sizeof(*p));
        p->name = xstrdup(name);
        ps.profile = p;
        while (pos < len) {
                const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;

                ps.line++;
                r = parse_line(&ps, start, n, err);
                if (r < 0)
                        return r;
                pos += n + (nl ? 1 : 0);
        }
        if (p->default_line == 0)
                return parse_fail(&ps, err,
                                  "no 'default' line: the action for unlisted syscalls must be explicit");
        *ret = TAKE_PTR(p);
        return 0;
}

int cr_seccomp_profile_load(const char *path, struct cr_seccomp_profile **ret, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        struct stat st;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INTERNAL,
                                    "open '%s'", path);
        if (fstat(fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat '%s'", path);
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is not a regular file", path);
        text = malloc(PROFILE_SIZE_MAX + 1);
        if (!text)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "read '%s'", path);
        n = loop_read(fd, text, PROFILE_SIZE_MAX + 1);
        if (n < 0)
                return cr_error_set(err, (int)-n, CR_ERROR_INTERNAL, "read '%s'", path);
        if ((size_t)n > PROFILE_SIZE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "%s: profile larger than %u bytes", path,
                                    PROFILE_SIZE_MAX);
        return cr_seccomp_profile_parse(text, (size_t)n, path, ret, err);
}

struct cr_seccomp_profile *cr_seccomp_profile_free(struct cr_seccomp_profile *p)
{
        if (!p)
                return NULL;
        free(p->rules);
        free(p->name);
        free(p);
        return NULL;
}

/* ---------------------------------------------------------------- explain */

static int append_action(struct cr_buf *out, const struct action *a)
{
        const char *n;

        switch (a->kind) {
        case ACTION_ALLOW:
                return cr_buf_printf(out, "allow");
        case ACTION_ERRNO:
                n = errno_name(a->errnum);
                return n ? cr_buf_printf(out, "errno %s", n) : cr_buf_printf(out, "errno %d", a->errnum);
        default:
                return cr_buf_printf(out, "kill");
        }
}

static int append_rule(struct cr_buf *out, const struct cr_seccomp_profile *p, const struct rule *rule)
{
        int r = append_action(out, &rule->action);

        for (size_t i = 0; r >= 0 && i < rule->n_conds; i++) {
                const struct condition *c = &rule->conds[i];
                const char *word = i == 0 ? "if" : "and";

                if (c->op == CMP_MASKED_EQ)
                        r = cr_buf_printf(out, " %s arg%u & %#" PRIx64 " == %#" PRIx64, word, c->arg, c->mask,
                                          c->value);
                else
                        r = cr_buf_printf(out, " %s arg%u %s %#" PRIx64, word, c->arg, cmp_op_names[c->op],
                                          c->value);
        }
        if (r >= 0)
                r = cr_buf_printf(out, " (%s:%u)", p->name, rule->line);
        return r;
}

static int append_default(struct cr_buf *out, const struct cr_seccomp_profile *p, bool otherwise)
{
        int r = otherwise ? cr_buf_printf(out, "; otherwise ") : 0;

        if (r >= 0)
                r = append_action(out, &p->default_action);
        if (r >= 0)
                r = cr_buf_printf(out, " (default, %s:%u)", p->name, p->default_line);
        return r;
}

int cr_seccomp_profile_explain(const struct cr_seccomp_profile *p, const char *syscall_name,
                               struct cr_buf *out, struct cr_error **err)
{
        bool conditional = false, listed = false;
        int nr = seccomp_syscall_resolve_name(syscall_name);
        int r;

        if (nr == __NR_SCMP_ERROR)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "unknown syscall '%s'", syscall_name);
        r = cr_buf_printf(out, "%s: ", syscall_name);
        if (r >= 0 && nr < 0)
                r = cr_buf_printf(out, "not a syscall on this architecture; ");
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                if (p->rules[i].nr != nr)
                        continue;
                if (listed)
                        r = cr_buf_printf(out, ", ");
                if (r >= 0)
                        r = append_rule(out, p, &p->rules[i]);
                listed = true;
                conditional = p->rules[i].n_conds > 0;
        }
        if (r >= 0 && (!listed || conditional))
                r = append_default(out, p, conditional);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "explain '%s'", syscall_name);
        return 0;
}

/* ---------------------------------------------------------------- compile */

static uint32_t action_to_scmp(const struct action *a)
{
        switch (a->kind) {
        case ACTION_ALLOW:
                return SCMP_ACT_ALLOW;
        case ACTION_ERRNO:
                return SCMP_ACT_ERRNO((uint32_t)a->errnum);
        default:
                return SCMP_ACT_KILL_PROCESS;
        }
}

static int set_attributes(scmp_filter_ctx ctx, struct cr_error **err)
{
        static const struct {
                enum scmp_filter_attr attr;
                uint32_t value;
        } attrs[] = {
                /* Any other ABI reachable from this CPU (i386 via int 0x80,
                 * x32 via the x32 bit) bypasses a native-only table: kill. */
                {SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS},
                /* Binary-tree dispatch: a few hundred rules stay cheap. */
                {SCMP_FLTATR_CTL_OPTIMIZE, 2},
                /* Real errnos from libseccomp instead of a generic -ECANCELED. */
                {SCMP_FLTATR_API_SYSRAWRC, 1},
        };

        for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
                int r = seccomp_attr_set(ctx, attrs[i].attr, attrs[i].value);

                if (r < 0)
                        return cr_error_set(err, -r, CR_ERROR_UNAVAILABLE, "seccomp_attr_set(%d)",
                                            attrs[i].attr);
        }
        return 0;
}

static int compile_rule(scmp_filter_ctx ctx, const struct cr_seccomp_profile *p, const struct rule *rule,
                        struct cr_error **err)
{
        struct scmp_arg_cmp cmp[RULE_CONDS_MAX];
        int r;

        for (size_t i = 0; i < rule->n_conds; i++) {
                const struct condition *c = &rule->conds[i];

                cmp[i] = (struct scmp_arg_cmp) {
                        .arg = c->arg,
                        .op = cmp_op_to_scmp[c->op],
                        .datum_a = c->op == CMP_MASKED_EQ ? c->mask : c->value,
                        .datum_b = c->op == CMP_MASKED_EQ ? c->value : 0,
                };
        }

        /* Not on this architecture: nothing to filter. */
        if (rule->nr < 0)
                return 0;
        /* Rules repeating the default action are explicit denials kept for
         * the auditor (and so an accidental "allow" later is a conflict);
         * libseccomp rejects them as redundant. */
        if (actions_equal(&rule->action, &p->default_action))
                return 0;
        r = seccomp_rule_add_exact_array(ctx, action_to_scmp(&rule->action), rule->nr, (unsigned) rule->n_conds,
                                         rule->n_conds ? cmp : NULL);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INVALID, "%s:%u: cannot add rule for '%s'", p->name,
                                    rule->line, rule->name);
        return 0;
}

/* The highest syscall number libseccomp can name on this architecture;
 * libseccomp's table is immutable, so this is computed once. */
static uint32_t highest_known_syscall(void)
{
        static uint32_t cached;

        if (cached > 0)
                return cached;
        for (int nr = 0; nr < SYSCALL_NR_SCAN; nr++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

                if (name)
                        cached = (uint32_t)nr;
        }
        return cached;
}

/* "newer ACTION": syscalls numbered above anything libseccomp can name are
 * newer than this profile could have been reviewed against; they get ACTION
 * (normally ENOSYS, so libcs take their fallback path) instead of the
 * default. Prepended to libseccomp's program; BPF jumps are relative and
 * forward-only, so libseccomp's own code is unaffected. */
static int prepend_newer(const struct cr_seccomp_profile *p, struct cr_seccomp_program *prog,
                         struct cr_error **err)
{
        const struct sock_filter head[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 4),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest_known_syscall(), 0, 2),
                /* x32 numbers are left to libseccomp, which kills them. */
                BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, action_to_scmp(&p->newer_action)),
        };
        size_t len = ARRAY_SIZE(head) + prog->len;
        struct sock_filter *f;

        if (len > BPF_MAXINSNS)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT,
                                    "%s: filter needs %zu instructions, more than %d", p->name, len,
                                    BPF_MAXINSNS);
        f = xmalloc(len * sizeof(*f));
        memcpy(f, head, sizeof(head));
        memcpy(f + ARRAY_SIZE(head), prog->filter, prog->len * sizeof(*f));
        free(prog->filter);
        prog->filter = f;
        prog->len = (unsigned short)len;
        return 0;
}

static int export_program(scmp_filter_ctx ctx, struct cr_seccomp_program *ret, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* libseccomp 2.5 exports only to a file descriptor. */
        fd = memfd_create("cr-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "seccomp_export_bpf");
        return cr_seccomp_program_from_fd(fd, ret, err);
}

int cr_seccomp_compile(const struct cr_seccomp_profile *p, struct cr_seccomp_program *ret,
                       struct cr_error **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        int r;

        ctx = seccomp_init(action_to_scmp(&p->default_action));
        if (!ctx)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "%s: seccomp_init", p->name);
        r = set_attributes(ctx, err);
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++)
                r = compile_rule(ctx, p, &p->rules[i], err);
        if (r >= 0)
                r = export_program(ctx, &prog, err);
        if (r >= 0 && p->newer_line > 0)
                r = prepend_newer(p, &prog, err);
        if (r < 0)
                return r;
        ret->len = prog.len;
        ret->filter = TAKE_PTR(prog.filter);
        return 0;
}

void cr_seccomp_program_done(struct cr_seccomp_program *prog)
{
        if (!prog)
                return;
        free(prog->filter);
        prog->filter = NULL;
        prog->len = 0;
}

/* ---------------------------------------------------------------- program I/O */

int cr_seccomp_program_from_fd(int fd, struct cr_seccomp_program *ret, struct cr_error **err)
{
        _cleanup_free_ struct sock_filter *f = NULL;
        struct stat st;
        size_t size;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat BPF program");
        size = (size_t)st.st_size;
        if (st.st_size <= 0 || size % sizeof(*f) != 0 || size / sizeof(*f) > BPF_MAXINSNS)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "BPF program of %jd bytes is not 1-%d instructions",
                                    (intmax_t)st.st_size, BPF_MAXINSNS);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seek BPF program");
        f = xmalloc(size);
        n = loop_read(fd, f, size);
        if (n < 0)
                return cr_error_set(err, (int)-n, CR_ERROR_INTERNAL, "read BPF program");
        if ((size_t)n != size)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "BPF program shrank while reading");
        ret->filter = TAKE_PTR(f);
        ret->len = (unsigned short)(size / sizeof(struct sock_filter));
        return 0;
}

int cr_seccomp_program_to_memfd(const struct cr_seccomp_program *prog, int *ret_fd, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!prog->filter || prog->len == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "empty BPF program");
        fd = memfd_create("cr-seccomp-bpf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "memfd_create");
        r = loop_write(fd, prog->filter, prog->len * sizeof(struct sock_filter));
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "write BPF program");
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seal BPF program");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

const char *cr_seccomp_backend_version(void)
{
        static char v[32];
        const struct scmp_version *ver = seccomp_version();

        if (!v[0])
                snprintf(v, sizeof(v), "%u.%u.%u", ver->major, ver->minor, ver->micro);
        return v;
}

/* ---------------------------------------------------------------- child side */

int cr_seccomp_apply(const struct cr_seccomp_program *prog)
{
        struct sock_fprog fprog;

        if (!prog || !prog->filter || prog->len == 0)
                return -EINVAL;
        fprog.len = prog->len;
        fprog.filter = prog->filter;
        /* Raw syscall, no libseccomp: async-signal-safe, no allocation. No
         * TSYNC: the child is single-threaded by construction. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
                return -errno;
        return 0;
}
