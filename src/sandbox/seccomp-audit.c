/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "seccomp-model.h"
#include "xalloc.h"

/* What a reviewer reads: one syscall's fate, the whole profile as a table
 * with the profile's own justifications, and the difference between two
 * profiles. Everything here reads the model; nothing compiles. */

#define TABLE_WIDTH  100
#define DIFF_OUT_MAX (1024U * 1024U)

/* "t:12" for our format, "file.json syscalls[11]" for OCI. */
static int append_where(struct cr_buf *out, const struct cr_seccomp_profile *p, unsigned line)
{
        if (p->format == PROFILE_FORMAT_OCI)
                return line > 0 ? cr_buf_printf(out, "%s syscalls[%u]", p->name, line - 1)
                                : cr_buf_printf(out, "%s", p->name);
        return cr_buf_printf(out, "%s:%u", p->name, line);
}

/* ---------------------------------------------------------------- one syscall */

static int append_rule(struct cr_buf *out, const struct cr_seccomp_profile *p,
                       const struct policy_rule *rule)
{
        int r = append_action(out, &rule->action);

        APPEND(r, append_conds(out, rule));
        APPEND(r, cr_buf_printf(out, " ("));
        APPEND(r, append_where(out, p, rule->line));
        APPEND(r, cr_buf_printf(out, ")"));
        return r;
}

static int append_default(struct cr_buf *out, const struct cr_seccomp_profile *p, bool otherwise)
{
        int r = otherwise ? cr_buf_printf(out, "; otherwise ") : 0;

        APPEND(r, append_action(out, &p->default_action));
        APPEND(r, cr_buf_printf(out, " (default, "));
        APPEND(r, append_where(out, p, p->default_line));
        APPEND(r, cr_buf_printf(out, ")"));
        return r;
}

int cr_seccomp_profile_explain(const struct cr_seccomp_profile *p, const char *syscall_name,
                               struct cr_buf *out, struct cr_error **err)
{
        bool unconditional = false, listed = false;
        int nr, r;

        if (syscall_resolve(syscall_name, &nr) < 0)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "unknown syscall '%s'", syscall_name);
        r = cr_buf_printf(out, "%s: ", syscall_name);
        if (nr < 0)
                APPEND(r, cr_buf_printf(out, "not a syscall on this architecture; "));
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                if (p->rules[i].nr != nr)
                        continue;
                if (listed)
                        APPEND(r, cr_buf_printf(out, ", "));
                APPEND(r, append_rule(out, p, &p->rules[i]));
                listed = true;
                unconditional |= p->rules[i].n_conds == 0;
        }
        if (!unconditional)
                APPEND(r, append_default(out, p, listed));
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "explain '%s'", syscall_name);
        return 0;
}

/* ---------------------------------------------------------------- counts */

/* For each native syscall number: whether a profile allows it always,
 * only under conditions, or never. */
enum allowed {
        ALLOWED_NEVER,
        ALLOWED_CONDITIONALLY,
        ALLOWED_ALWAYS,
};

static enum allowed allowed_state(const struct cr_seccomp_profile *p, int nr)
{
        enum allowed a = ALLOWED_NEVER;

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (rule->nr != nr || rule->action.kind != ACTION_ALLOW)
                        continue;
                if (rule->n_conds == 0)
                        return ALLOWED_ALWAYS;
                a = ALLOWED_CONDITIONALLY;
        }
        return a;
}

void cr_seccomp_profile_count(const struct cr_seccomp_profile *p, struct cr_seccomp_counts *ret)
{
        int top = (int)highest_known_syscall();

        *ret = (struct cr_seccomp_counts){0};
        for (int nr = 0; nr <= top; nr++) {
                enum allowed a = allowed_state(p, nr);

                if (a != ALLOWED_NEVER)
                        ret->allowed++;
                if (a == ALLOWED_CONDITIONALLY)
                        ret->conditional++;
        }
        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (rule->nr < 0)
                        continue;
                if (rule->action.kind == ACTION_KILL || rule->action.kind == ACTION_KILL_THREAD)
                        ret->killed++;
                else if (rule->action.kind != ACTION_ALLOW)
                        ret->denied_listed++;
        }
}

/* ---------------------------------------------------------------- table */

/* Appends text wrapped at TABLE_WIDTH, each line starting with `indent`
 * spaces (the first line's indent is assumed already written). */
static int append_wrapped(struct cr_buf *out, const char *text, size_t indent, size_t col)
{
        int r = 0;

        while (*text && r >= 0) {
                size_t word = strcspn(text, " ");

                if (col > indent && col + 1 + word > TABLE_WIDTH) {
                        APPEND(r, cr_buf_printf(out, "\n%*s", (int)indent, ""));
                        col = indent;
                } else if (col > indent) {
                        APPEND(r, cr_buf_append(out, " ", 1));
                        col++;
                }
                APPEND(r, cr_buf_append(out, text, word));
                col += word;
                text += word;
                text += strspn(text, " ");
        }
        return r;
}

struct table {
        const struct cr_seccomp_profile *p; /* not owned */
        struct cr_buf *out;                 /* not owned */
        int section;                        /* last section printed */
        int pending_comment;                /* comment owed after the current rows */
};

static int flush_comment(struct table *t)
{
        int r = 0;

        if (t->pending_comment < 0)
                return 0;
        APPEND(r, cr_buf_printf(t->out, "%*swhy: ", 9, ""));
        APPEND(r, append_wrapped(t->out, t->p->comments[t->pending_comment], 14, 14));
        APPEND(r, cr_buf_append(t->out, "\n", 1));
        t->pending_comment = -1;
        return r;
}

/* One row: every rule of one profile line (or OCI entry) with the same
 * action and conditions: "[44] allow clone if arg0 & 0x7e020000 == 0". */
static int table_row(struct table *t, size_t first, size_t end)
{
        const struct policy_rule *rule = &t->p->rules[first];
        _cleanup_buf_ struct cr_buf head = CR_BUF_INIT(256), names = CR_BUF_INIT(PROFILE_SIZE_MAX);
        int r = 0;

        if (rule->section >= 0 && rule->section != t->section) {
                APPEND(r, flush_comment(t));
                APPEND(r, cr_buf_printf(t->out, "\n  -- %s\n", t->p->comments[rule->section]));
                t->section = rule->section;
        }
        if (rule->comment != t->pending_comment)
                APPEND(r, flush_comment(t));
        APPEND(r, cr_buf_printf(&head, t->p->format == PROFILE_FORMAT_OCI ? "  #%-4u " : "  %4u  ",
                                t->p->format == PROFILE_FORMAT_OCI ? rule->line - 1 : rule->line));
        APPEND(r, append_action(&head, &rule->action));
        for (size_t i = first; i < end; i++)
                APPEND(r, cr_buf_printf(&names, "%s%s%s", i > first ? " " : "", t->p->rules[i].name,
                                        t->p->rules[i].nr < 0 ? "*" : ""));
        APPEND(r, append_conds(&names, rule));
        APPEND(r, cr_buf_printf(t->out, "%-22s", head.data ? head.data : ""));
        APPEND(r, append_wrapped(t->out, names.data ? names.data : "", 22, 22));
        APPEND(r, cr_buf_append(t->out, "\n", 1));
        t->pending_comment = rule->comment;
        return r;
}

static bool same_row(const struct policy_rule *a, const struct policy_rule *b)
{
        return a->line == b->line && actions_equal(&a->action, &b->action) && conds_equal(a, b) &&
               a->comment == b->comment;
}

/* The rules whose action is (allow) or is not (!allow) "allow", in profile
 * order, grouped into rows. */
static int table_part(struct table *t, bool allow)
{
        const struct cr_seccomp_profile *p = t->p;
        int r = 0;

        t->section = -1;
        t->pending_comment = -1;
        for (size_t i = 0; i < p->n_rules && r >= 0;) {
                size_t end = i + 1;

                if ((p->rules[i].action.kind == ACTION_ALLOW) != allow) {
                        i++;
                        continue;
                }
                while (end < p->n_rules && same_row(&p->rules[i], &p->rules[end]))
                        end++;
                r = table_row(t, i, end);
                i = end;
        }
        APPEND(r, flush_comment(t));
        return r;
}

static int table_header(const struct cr_seccomp_profile *p, struct cr_buf *out)
{
        struct cr_seccomp_counts c;
        int r;

        cr_seccomp_profile_count(p, &c);
        r = cr_buf_printf(out, "Profile %s (%s)\n", p->name,
                          p->format == PROFILE_FORMAT_OCI ? "Docker/OCI JSON" : "CodeRunner profile");
        APPEND(r, cr_buf_printf(out, "  unlisted syscalls:      "));
        APPEND(r, append_action(out, &p->default_action));
        if (p->format == PROFILE_FORMAT_TEXT)
                APPEND(r, cr_buf_printf(out, "   [line %u]", p->default_line));
        APPEND(r, cr_buf_printf(out, "\n  syscalls above %u:     ", highest_known_syscall()));
        if (p->newer_line > 0)
                APPEND(r, append_action(out, &p->newer_action));
        else
                APPEND(r, cr_buf_printf(out, "as unlisted"));
        APPEND(r, cr_buf_printf(out, "%s\n  other ABIs (i386, x32): kill\n",
                                p->newer_line > 0 ? " (newer than this profile could name)" : ""));
        APPEND(r, cr_buf_printf(out,
                                "  %u syscalls allowed (%u of them only under argument conditions), "
                                "%u denied by name, %u killed\n",
                                c.allowed, c.conditional, c.denied_listed, c.killed));
        return r;
}

int cr_seccomp_profile_explain_table(const struct cr_seccomp_profile *p, struct cr_buf *out,
                                     struct cr_error **err)
{
        struct table t = {.p = p, .out = out, .section = -1, .pending_comment = -1};
        bool foreign = false;
        int r;

        r = table_header(p, out);
        APPEND(r, cr_buf_printf(out,
                                "\nALLOWED  (row: %s, action, syscalls, conditions; why: the profile's "
                                "own comment)\n",
                                p->format == PROFILE_FORMAT_OCI ? "#entry" : "line"));
        APPEND(r, table_part(&t, true));
        APPEND(r, cr_buf_printf(out, "\nDENIED  (everything not listed: "));
        APPEND(r, append_action(out, &p->default_action));
        APPEND(r, cr_buf_printf(out, ")\n"));
        APPEND(r, table_part(&t, false));
        for (size_t i = 0; i < p->n_rules; i++)
                foreign |= p->rules[i].nr < 0;
        if (foreign)
                APPEND(r,
                       cr_buf_printf(out,
                                     "\n* not a syscall on this architecture: the rule is skipped here\n"));
        for (size_t i = 0; i < p->n_notes; i++)
                APPEND(r, cr_buf_printf(out, "%snote: %s\n", i == 0 ? "\n" : "", p->notes[i]));
        if (r < 0)
                return cr_error_set(err, -r, r == -ENOSPC ? CR_ERROR_LIMIT : CR_ERROR_INTERNAL,
                                    "explain '%s'", p->name);
        return 0;
}

/* ---------------------------------------------------------------- diff */

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A profile's decision for one syscall in a canonical form, without line
 * numbers: its rules sorted, rules that only repeat the default dropped,
 * and the default when no rule is unconditional. Two profiles treat the
 * syscall alike exactly when these strings are equal. */
static char *canonical(const struct cr_seccomp_profile *p, int nr)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(PROFILE_SIZE_MAX);
        char *parts[PROFILE_RULES_MAX];
        size_t n = 0;
        bool unconditional = false;
        int r = 0;

        for (size_t i = 0; i < p->n_rules && n < ARRAY_SIZE(parts); i++) {
                const struct policy_rule *rule = &p->rules[i];
                _cleanup_buf_ struct cr_buf one = CR_BUF_INIT(1024);

                if (rule->nr != nr || actions_equal(&rule->action, &p->default_action))
                        continue;
                (void)append_action(&one, &rule->action);
                (void)append_conds(&one, rule);
                parts[n++] = one.data ? cr_buf_steal(&one) : xstrdup("");
                unconditional |= rule->n_conds == 0;
        }
        qsort(parts, n, sizeof(parts[0]), compare_strings);
        for (size_t i = 0; i < n; i++) {
                APPEND(r, cr_buf_printf(&b, "%s%s", i ? " | " : "", parts[i] ? parts[i] : ""));
                free(parts[i]);
        }
        if (!unconditional) {
                APPEND(r, cr_buf_printf(&b, n ? "; otherwise " : ""));
                APPEND(r, append_action(&b, &p->default_action));
        }
        return r < 0 ? NULL : cr_buf_steal(&b);
}

enum diff_kind {
        DIFF_ONLY_A,
        DIFF_ONLY_B,
        DIFF_CONDITIONS,
        DIFF_DENIAL,
        _DIFF_KIND_MAX,
};

static const char *const diff_titles[_DIFF_KIND_MAX] = {
        [DIFF_ONLY_A] = "Allowed only by A",
        [DIFF_ONLY_B] = "Allowed only by B",
        [DIFF_CONDITIONS] = "Allowed by both, under different conditions",
        [DIFF_DENIAL] = "Denied by both, differently",
};

struct diff {
        struct cr_buf parts[_DIFF_KIND_MAX];
        unsigned counts[_DIFF_KIND_MAX];
};

static enum diff_kind classify(enum allowed a, enum allowed b)
{
        if (a != ALLOWED_NEVER && b == ALLOWED_NEVER)
                return DIFF_ONLY_A;
        if (a == ALLOWED_NEVER && b != ALLOWED_NEVER)
                return DIFF_ONLY_B;
        return a != ALLOWED_NEVER ? DIFF_CONDITIONS : DIFF_DENIAL;
}

static int diff_syscall(const struct cr_seccomp_profile *a, const struct cr_seccomp_profile *b, int nr,
                        struct diff *d)
{
        _cleanup_free_ char *ca = canonical(a, nr), *cb = canonical(b, nr),
                            *name = cr_seccomp_syscall_name(nr);
        enum diff_kind k;
        int r = 0;

        if (!ca || !cb)
                return -ENOMEM;
        if (!name || strcmp(ca, cb) == 0)
                return 0;
        k = classify(allowed_state(a, nr), allowed_state(b, nr));
        d->counts[k]++;
        APPEND(r, cr_buf_printf(&d->parts[k], "  %-22s A: ", name));
        APPEND(r, append_wrapped(&d->parts[k], ca, 27, 27));
        APPEND(r, cr_buf_printf(&d->parts[k], "\n  %-22s B: ", ""));
        APPEND(r, append_wrapped(&d->parts[k], cb, 27, 27));
        APPEND(r, cr_buf_append(&d->parts[k], "\n", 1));
        return r;
}

static const struct policy_action *newer_of(const struct cr_seccomp_profile *p)
{
        return p->newer_line > 0 ? &p->newer_action : &p->default_action;
}

static int append_newer(struct cr_buf *out, const struct cr_seccomp_profile *p)
{
        return p->newer_line > 0 ? append_action(out, &p->newer_action) : cr_buf_printf(out, "as unlisted");
}

static int diff_report(const struct cr_seccomp_profile *a, const struct cr_seccomp_profile *b,
                       struct diff *d, struct cr_buf *out)
{
        struct cr_seccomp_counts ca, cb;
        int r;

        cr_seccomp_profile_count(a, &ca);
        cr_seccomp_profile_count(b, &cb);
        r = cr_buf_printf(out, "A: %s (%u syscalls allowed)\nB: %s (%u syscalls allowed)\n", a->name,
                          ca.allowed, b->name, cb.allowed);
        if (!actions_equal(&a->default_action, &b->default_action)) {
                APPEND(r, cr_buf_printf(out, "\nUnlisted syscalls: A "));
                APPEND(r, append_action(out, &a->default_action));
                APPEND(r, cr_buf_printf(out, ", B "));
                APPEND(r, append_action(out, &b->default_action));
                APPEND(r, cr_buf_append(out, "\n", 1));
        }
        if (a->newer_line != 0 || b->newer_line != 0) {
                APPEND(r, cr_buf_printf(out, "%sSyscalls above %u: A ", "\n", highest_known_syscall()));
                APPEND(r, append_newer(out, a));
                APPEND(r, cr_buf_printf(out, ", B "));
                APPEND(r, append_newer(out, b));
                APPEND(r, cr_buf_append(out, "\n", 1));
        }
        for (int k = 0; k < _DIFF_KIND_MAX; k++) {
                if (d->counts[k] == 0)
                        continue;
                APPEND(r, cr_buf_printf(out, "\n%s (%u):\n", diff_titles[k], d->counts[k]));
                APPEND(r, cr_buf_append(out, d->parts[k].data, d->parts[k].len));
        }
        APPEND(r, cr_buf_printf(out,
                                "\n%u only in A, %u only in B, %u with different conditions, %u denied "
                                "differently\n",
                                d->counts[DIFF_ONLY_A], d->counts[DIFF_ONLY_B], d->counts[DIFF_CONDITIONS],
                                d->counts[DIFF_DENIAL]));
        return r;
}

int cr_seccomp_profile_diff(const struct cr_seccomp_profile *a, const struct cr_seccomp_profile *b,
                            struct cr_buf *out, bool *ret_differ, struct cr_error **err)
{
        struct diff d = {0};
        int top = (int)highest_known_syscall(), r = 0;
        bool differ;

        for (int k = 0; k < _DIFF_KIND_MAX; k++)
                d.parts[k] = (struct cr_buf)CR_BUF_INIT(DIFF_OUT_MAX);
        for (int nr = 0; nr <= top && r >= 0; nr++)
                r = diff_syscall(a, b, nr, &d);
        APPEND(r, diff_report(a, b, &d, out));
        differ = !actions_equal(&a->default_action, &b->default_action) ||
                 !actions_equal(newer_of(a), newer_of(b));
        for (int k = 0; k < _DIFF_KIND_MAX; k++) {
                differ |= d.counts[k] > 0;
                cr_buf_done(&d.parts[k]);
        }
        if (r < 0)
                return cr_error_set(err, -r, r == -ENOSPC ? CR_ERROR_LIMIT : CR_ERROR_INTERNAL, "diff");
        *ret_differ = differ;
        return 0;
}
