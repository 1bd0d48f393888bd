/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "seccomp-model.h"
#include "xalloc.h"

/* The parsed form of a profile, which both parsers build and the compiler,
 * the BPF evaluator and the audit views read: building it under its bounds,
 * comparing its parts, and writing them as our text format's words. It knows
 * nothing of either input format's syntax nor of libseccomp. */

static const char *const cmp_op_names[_CMP_OP_MAX] = {
        [CMP_EQ] = "==", [CMP_NE] = "!=", [CMP_LT] = "<",         [CMP_LE] = "<=",
        [CMP_GT] = ">",  [CMP_GE] = ">=", [CMP_MASKED_EQ] = "==",
};

/* ---------------------------------------------------------------- model */

const char *errno_name(int errnum)
{
        return errnum > 0 && errnum < ERRNO_NAME_SCAN ? strerrorname_np(errnum) : NULL;
}

bool actions_equal(const struct policy_action *a, const struct policy_action *b)
{
        return a->kind == b->kind && a->value == b->value;
}

bool conds_equal(const struct policy_rule *a, const struct policy_rule *b)
{
        if (a->n_conds != b->n_conds)
                return false;
        for (unsigned i = 0; i < a->n_conds; i++) {
                const struct policy_cond *x = &a->conds[i], *y = &b->conds[i];

                if (x->arg != y->arg || x->op != y->op || x->mask != y->mask || x->value != y->value)
                        return false;
        }
        return true;
}

struct cr_seccomp_profile *profile_new(const char *name, enum profile_format format)
{
        struct cr_seccomp_profile *p = xzalloc(sizeof(*p));

        p->name = xstrdup(name ? name : "profile");
        p->format = format;
        return p;
}

/* "name:LINE" for our text format, "name: syscalls[I]" for OCI JSON. */
static void rule_location(const struct cr_seccomp_profile *p, const struct policy_rule *rule, char *buf,
                          size_t size)
{
        if (p->format == PROFILE_FORMAT_OCI)
                (void)snprintf(buf, size, "%s: syscalls[%u]", p->name, rule->line - 1);
        else
                (void)snprintf(buf, size, "%s:%u", p->name, rule->line);
}

/* The bounds on one syscall's conditional rules that keep libseccomp's rule
 * builder finite and fast (see SYSCALL_COND_RULES_MAX). */
static int check_complexity(const struct cr_seccomp_profile *p, const struct policy_rule *rule,
                            struct cr_error **err)
{
        unsigned cond_rules = 1, multi_rules = rule->n_conds > 1;
        char where[PATH_MAX + 32];

        if (rule->n_conds == 0)
                return 0;
        for (size_t i = 0; i < p->n_rules; i++) {
                if (p->rules[i].nr != rule->nr || p->rules[i].n_conds == 0)
                        continue;
                cond_rules++;
                multi_rules += p->rules[i].n_conds > 1;
        }
        if (cond_rules <= SYSCALL_COND_RULES_MAX && multi_rules <= SYSCALL_MULTI_COND_RULES_MAX)
                return 0;
        rule_location(p, rule, where, sizeof(where));
        if (cond_rules > SYSCALL_COND_RULES_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT,
                                     "%s: syscall '%s' has more than %u conditional rules (the limit per "
                                     "syscall)",
                                     where, rule->name, SYSCALL_COND_RULES_MAX);
        return cr_error_make(err, E2BIG, CR_ERROR_LIMIT,
                             "%s: syscall '%s' has more than %u rule with several conditions (the limit per "
                             "syscall; split the others into one-condition rules)",
                             where, rule->name, SYSCALL_MULTI_COND_RULES_MAX);
}

int profile_append_rule(struct cr_seccomp_profile *p, const struct policy_rule *rule, struct cr_error **err)
{
        int r;

        if (p->n_rules >= PROFILE_RULES_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "%s:%u: more than %u rules", p->name,
                                     rule->line, PROFILE_RULES_MAX);
        r = check_complexity(p, rule, err);
        if (r < 0)
                return r;
        if (p->n_rules == p->n_alloc) {
                size_t n = p->n_alloc ? p->n_alloc * 2 : 64;
                struct policy_rule *rules = reallocarray(p->rules, n, sizeof(*rules));

                if (!rules)
                        return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "%s: rules", p->name);
                p->rules = rules;
                p->n_alloc = n;
        }
        p->rules[p->n_rules++] = *rule;
        return 0;
}

/* Comments are bounded by the profile size, and their number by the number of
 * lines (or of JSON members), so the array grows like the rules. */
int profile_add_comment(struct cr_seccomp_profile *p, const char *text, size_t len)
{
        char **c;

        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
                len--;
        if (!text || len == 0)
                return -1;
        c = reallocarray(p->comments, p->n_comments + 1, sizeof(*c));
        if (!c)
                return -1;
        p->comments = c;
        p->comments[p->n_comments] = xstrndup(text, len);
        return (int)p->n_comments++;
}

void profile_add_note(struct cr_seccomp_profile *p, const char *fmt, ...)
{
        char **n;
        va_list ap;

        if (p->n_notes >= PROFILE_NOTES_MAX)
                return;
        n = reallocarray(p->notes, p->n_notes + 1, sizeof(*n));
        if (!n)
                return;
        p->notes = n;
        va_start(ap, fmt);
        p->notes[p->n_notes++] = xvasprintf(fmt, ap);
        va_end(ap);
}

enum cmp_op cmp_op_from_string(const char *s)
{
        for (int i = 0; i < CMP_MASKED_EQ; i++)
                if (strcmp(cmp_op_names[i], s) == 0)
                        return (enum cmp_op)i;
        return _CMP_OP_INVALID;
}

const char *cmp_op_to_string(enum cmp_op op)
{
        return op >= 0 && op < _CMP_OP_MAX ? cmp_op_names[op] : "?";
}

int append_action(struct cr_buf *out, const struct policy_action *a)
{
        const char *n;

        switch (a->kind) {
        case ACTION_ALLOW:
                return cr_buf_printf(out, "allow");
        case ACTION_ERRNO:
                n = errno_name(a->value);
                return n ? cr_buf_printf(out, "errno %s", n) : cr_buf_printf(out, "errno %d", a->value);
        case ACTION_KILL_THREAD:
                return cr_buf_printf(out, "kill-thread");
        case ACTION_TRAP:
                return cr_buf_printf(out, "trap");
        case ACTION_TRACE:
                return cr_buf_printf(out, "trace %d", a->value);
        case ACTION_LOG:
                return cr_buf_printf(out, "log");
        default:
                return cr_buf_printf(out, "kill");
        }
}

static int append_cond(struct cr_buf *out, const struct policy_cond *c)
{
        if (c->op == CMP_MASKED_EQ)
                return cr_buf_printf(out, "arg%u & %#" PRIx64 " == %#" PRIx64, c->arg, c->mask, c->value);
        return cr_buf_printf(out, "arg%u %s %#" PRIx64, c->arg, cmp_op_to_string(c->op), c->value);
}

int append_conds(struct cr_buf *out, const struct policy_rule *rule)
{
        int r = 0;

        for (unsigned i = 0; i < rule->n_conds; i++) {
                APPEND(r, cr_buf_printf(out, i == 0 ? " if " : " and "));
                APPEND(r, append_cond(out, &rule->conds[i]));
        }
        return r;
}

struct cr_seccomp_profile *cr_seccomp_profile_free(struct cr_seccomp_profile *p)
{
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_comments; i++)
                free(p->comments[i]);
        for (size_t i = 0; i < p->n_notes; i++)
                free(p->notes[i]);
        free(p->comments);
        free(p->notes);
        free(p->rules);
        free(p->name);
        free(p);
        return NULL;
}

size_t cr_seccomp_profile_notes(const struct cr_seccomp_profile *p, const char *const **ret)
{
        *ret = (const char *const *)p->notes;
        return p->n_notes;
}

bool cr_seccomp_profile_is_oci(const struct cr_seccomp_profile *p)
{
        return p->format == PROFILE_FORMAT_OCI;
}
