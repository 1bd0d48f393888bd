/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "seccomp-model.h"
#include "xalloc.h"

/* The parser of our own text format (seccomp/README.md). Loading detects
 * the format by content: a JSON object is a Docker/OCI profile
 * (seccomp-oci.c), anything else is text. Both produce the model of
 * seccomp-model.c. */

#define PROFILE_LINE_MAX   1024U
#define PROFILE_TOKENS_MAX 128U

struct parser {
        struct cr_seccomp_profile *profile; /* not owned */
        unsigned line;
        /* The comment block above the current rules: a run of comment-only
         * lines, ended by a blank line or by the next run. */
        struct cr_buf block;
        bool last_was_comment;
        int block_comment; /* interned block, or -1 until a rule needs it */
        int section;       /* the last "# ---- title" line, or -1 */
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

/* ---------------------------------------------------------------- text parser */

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
static int parse_action(const struct parser *ps, char **tok, size_t n, size_t *consumed,
                        struct policy_action *ret, struct cr_error **err)
{
        struct policy_action a = {};
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
                r = parse_errno(ps, tok[1], &a.value, err);
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

static int parse_value(const struct parser *ps, const char *s, uint64_t *ret, struct cr_error **err)
{
        if (parse_number(s, ret) < 0)
                return parse_fail(ps, err, "invalid number '%s' (decimal, or hexadecimal with 0x, 64 bits)",
                                  PRINTABLE(s));
        return 0;
}

/* COND := argN OP VALUE | argN & MASK == VALUE */
static int parse_condition(const struct parser *ps, char **tok, size_t n, struct policy_cond *ret,
                           struct cr_error **err)
{
        struct policy_cond c = {};
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

/* Sorted by argument, so that equal rules compare equal whatever the order
 * they were written in. */
static void sort_conds(struct policy_rule *rule)
{
        for (unsigned i = 1; i < rule->n_conds; i++)
                for (unsigned j = i; j > 0 && rule->conds[j - 1].arg > rule->conds[j].arg; j--) {
                        struct policy_cond t = rule->conds[j];

                        rule->conds[j] = rule->conds[j - 1];
                        rule->conds[j - 1] = t;
                }
}

/* COND := COMPARISON [and COMPARISON]...: every comparison must hold. One
 * per argument: two on one register are either redundant or contradictory,
 * and libseccomp takes only one per argument in a rule. */
static int parse_conditions(const struct parser *ps, char **tok, size_t n, struct policy_rule *rule,
                            struct cr_error **err)
{
        unsigned seen = 0;
        size_t start = 0;

        if (n == 0)
                return parse_fail(ps, err, "'if' needs a condition: argN OP VALUE or argN & MASK == VALUE");
        for (size_t i = 0; i <= n; i++) {
                struct policy_cond *c;
                int r;

                if (i < n && !streq(tok[i], "and"))
                        continue;
                if (i == start)
                        return parse_fail(ps, err, "'and' needs a comparison on each side");
                if (rule->n_conds == RULE_CONDS_MAX)
                        return parse_fail(ps, err, "more than %u comparisons in one rule", RULE_CONDS_MAX);
                c = &rule->conds[rule->n_conds];
                r = parse_condition(ps, tok + start, i - start, c, err);
                if (r < 0)
                        return r;
                if (seen & (1U << c->arg))
                        return parse_fail(ps, err, "arg%u is compared twice in one rule", c->arg);
                seen |= 1U << c->arg;
                rule->n_conds++;
                start = i + 1;
        }
        sort_conds(rule);
        return 0;
}

static int resolve_syscall(const struct parser *ps, const char *name, int *ret, struct cr_error **err)
{
        size_t len = strlen(name);

        if (len == 0 || len > SYSCALL_NAME_MAX ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
                return parse_fail(ps, err, "invalid syscall name '%s'", PRINTABLE(name));
        if (syscall_resolve(name, ret) < 0)
                return parse_fail(ps, err, "unknown syscall '%s'", name);
        return 0;
}

/* One action per syscall: conditions may narrow when it applies, but two
 * actions for one syscall would depend on libseccomp's overlap semantics,
 * which an auditor cannot read off the profile. */
static int check_conflicts(const struct parser *ps, const struct policy_rule *new, struct cr_error **err)
{
        const struct cr_seccomp_profile *p = ps->profile;

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *o = &p->rules[i];

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
                if (conds_equal(o, new))
                        return parse_fail(ps, err, "duplicate rule for '%s' (first on line %u)", new->name,
                                          o->line);
        }
        return 0;
}

static int current_comment(struct parser *ps)
{
        if (ps->block_comment < 0 && ps->block.len > 0)
                ps->block_comment = profile_add_comment(ps->profile, ps->block.data, ps->block.len);
        return ps->block_comment;
}

static int add_rule(struct parser *ps, const char *name, const struct policy_rule *tmpl,
                    struct cr_error **err)
{
        struct policy_rule rule = *tmpl;
        int r;

        r = resolve_syscall(ps, name, &rule.nr, err);
        if (r < 0)
                return r;
        memcpy(rule.name, name, strlen(name) + 1);
        r = check_conflicts(ps, &rule, err);
        if (r < 0)
                return r;
        return profile_append_rule(ps->profile, &rule, err);
}

/* "default ACTION" and "newer ACTION": exactly once / at most once, never
 * allow (the format only expresses allowlists). */
static int parse_global(struct parser *ps, char **tok, size_t n, struct cr_error **err)
{
        struct cr_seccomp_profile *p = ps->profile;
        bool is_default = streq(tok[0], "default");
        unsigned *line = is_default ? &p->default_line : &p->newer_line;
        struct policy_action a;
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

/* ACTION SYSCALL... [if COND [and COND]...] */
static int parse_statement(struct parser *ps, char **tok, size_t n, int trailing_comment,
                           struct cr_error **err)
{
        struct policy_rule rule = {.line = ps->line, .comment = -1, .section = ps->section};
        size_t first, end;
        int r;

        if (streq(tok[0], "default") || streq(tok[0], "newer"))
                return parse_global(ps, tok, n, err);
        r = parse_action(ps, tok, n, &first, &rule.action, err);
        if (r < 0)
                return r;
        for (end = first; end < n && !streq(tok[end], "if"); end++)
                ;
        if (end == first)
                return parse_fail(ps, err, "no syscall named after the action");
        if (end < n) {
                if (end - first != 1)
                        return parse_fail(ps, err, "a conditional rule names exactly one syscall");
                r = parse_conditions(ps, tok + end + 1, n - end - 1, &rule, err);
                if (r < 0)
                        return r;
        }
        rule.comment = trailing_comment >= 0 ? trailing_comment : current_comment(ps);
        for (size_t i = first; i < end; i++) {
                r = add_rule(ps, tok[i], &rule, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A comment-only line: part of the block above the next rules, or a section
 * title ("# ------ processes"). */
static void on_comment_line(struct parser *ps, const char *text)
{
        text += strspn(text, " \t");
        if (!ps->last_was_comment) {
                cr_buf_done(&ps->block);
                ps->block_comment = -1;
        }
        ps->last_was_comment = true;
        if (strncmp(text, "---", 3) == 0) {
                text += strspn(text, "- \t");
                ps->section = profile_add_comment(ps->profile, text, strcspn(text, "\r"));
                return;
        }
        if (ps->block.len > 0)
                (void)cr_buf_append(&ps->block, " ", 1);
        (void)cr_buf_append(&ps->block, text, strcspn(text, "\r"));
}

static size_t tokenize(char *s, char *tok[static PROFILE_TOKENS_MAX], bool *overflow)
{
        size_t n = 0;

        *overflow = false;
        for (;;) {
                s += strspn(s, " \t\r\v\f");
                if (*s == 0)
                        return n;
                if (n == PROFILE_TOKENS_MAX) {
                        *overflow = true;
                        return n;
                }
                tok[n++] = s;
                s += strcspn(s, " \t\r\v\f");
                if (*s)
                        *s++ = 0;
        }
}

static int parse_line(struct parser *ps, const char *start, size_t len, struct cr_error **err)
{
        char buf[PROFILE_LINE_MAX + 1], *tok[PROFILE_TOKENS_MAX], *hash;
        int trailing = -1;
        bool overflow;
        size_t n;

        if (len > PROFILE_LINE_MAX)
                return parse_fail(ps, err, "line longer than %u bytes", PROFILE_LINE_MAX);
        if (memchr(start, 0, len))
                return parse_fail(ps, err, "NUL byte in profile");
        memcpy(buf, start, len);
        buf[len] = 0;
        hash = strchr(buf, '#');
        if (hash)
                *hash++ = 0;
        n = tokenize(buf, tok, &overflow);
        if (overflow)
                return parse_fail(ps, err, "more than %u tokens on one line", PROFILE_TOKENS_MAX);
        if (n == 0 && hash) {
                on_comment_line(ps, hash);
                return 0;
        }
        ps->last_was_comment = false;
        if (n == 0) { /* a blank line ends the comment block */
                cr_buf_done(&ps->block);
                ps->block_comment = -1;
                return 0;
        }
        if (hash) {
                hash += strspn(hash, " \t");
                trailing = profile_add_comment(ps->profile, hash, strcspn(hash, "\r"));
        }
        return parse_statement(ps, tok, n, trailing, err);
}

static int parse_text(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                      struct cr_error **err)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p =
                profile_new(name, PROFILE_FORMAT_TEXT);
        struct parser ps = {
                .profile = p, .block = CR_BUF_INIT(PROFILE_SIZE_MAX), .block_comment = -1, .section = -1};
        size_t pos = 0;
        int r = 0;

        while (pos < len && r >= 0) {
                const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;

                ps.line++;
                r = parse_line(&ps, start, n, err);
                pos += n + (nl ? 1 : 0);
        }
        cr_buf_done(&ps.block);
        if (r < 0)
                return r;
        if (p->default_line == 0)
                return parse_fail(&ps, err,
                                  "no 'default' line: the action for unlisted syscalls must be explicit");
        *ret = TAKE_PTR(p);
        return 0;
}

static bool looks_like_json(const char *text, size_t len)
{
        size_t i = 0;

        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte order mark */
                i = 3;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
                i++;
        return i < len && (text[i] == '{' || text[i] == '[');
}

int cr_seccomp_profile_parse(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                             struct cr_error **err)
{
        if (!name)
                name = "profile";
        if (!text && len > 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: no profile text", name);
        if (len > PROFILE_SIZE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "%s: profile larger than %u bytes", name,
                                     PROFILE_SIZE_MAX);
        /* Our format cannot start with { or [, and JSON does. */
        if (looks_like_json(text, len))
                return profile_parse_oci(text, len, name, ret, err);
        return parse_text(text, len, name, ret, err);
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
