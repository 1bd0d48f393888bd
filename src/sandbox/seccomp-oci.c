/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "json/json.h"
#include "seccomp-model.h"
#include "xalloc.h"

/* Docker/OCI seccomp JSON (the runtime-spec's linux.seccomp, and Docker's
 * own default.json with its includes/excludes) read into the profile model,
 * and the model written back as such JSON.
 *
 * Reading follows what Docker does for a container with no capabilities on
 * this machine: entries that need a capability (includes.caps) are
 * skipped, entries for another architecture are skipped, minKernel is
 * compared with the running kernel, and names libseccomp does not know are
 * skipped, as runc does. Each skip is recorded as a note for `seccomp
 * check`. Unlike runc, other architectures listed in "architectures" or
 * "archMap" are not filtered: CodeRunner kills every non-native ABI. */

#define JSON_DEPTH_MAX 16

struct oci_reader {
        struct cr_seccomp_profile *profile; /* not owned */
        const char *native;                 /* the Go/Docker name of the native architecture */
        unsigned skipped_caps, skipped_arch, skipped_kernel;
};

static const struct {
        const char *name;
        enum action_kind kind;
} oci_actions[] = {
        {"SCMP_ACT_ALLOW", ACTION_ALLOW},
        {"SCMP_ACT_ERRNO", ACTION_ERRNO},
        {"SCMP_ACT_KILL_PROCESS", ACTION_KILL},
        {"SCMP_ACT_KILL", ACTION_KILL_THREAD}, /* libseccomp's SCMP_ACT_KILL kills the thread */
        {"SCMP_ACT_KILL_THREAD", ACTION_KILL_THREAD},
        {"SCMP_ACT_TRAP", ACTION_TRAP},
        {"SCMP_ACT_TRACE", ACTION_TRACE},
        {"SCMP_ACT_LOG", ACTION_LOG},
};

static const char *const oci_ops[_CMP_OP_MAX] = {
        [CMP_EQ] = "SCMP_CMP_EQ",
        [CMP_NE] = "SCMP_CMP_NE",
        [CMP_LT] = "SCMP_CMP_LT",
        [CMP_LE] = "SCMP_CMP_LE",
        [CMP_GT] = "SCMP_CMP_GT",
        [CMP_GE] = "SCMP_CMP_GE",
        [CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int oci_fail(const struct oci_reader *rd, struct cr_error **err, const char *fmt, ...) _printf_(3, 4);

static int oci_fail(const struct oci_reader *rd, struct cr_error **err, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        full = xasprintf("%s: %s", rd->profile->name, msg);
        return cr_error_set_raw(err, EINVAL, CR_ERROR_INVALID, full);
}

/* The architecture names Docker's includes/excludes use (Go's GOARCH). */
static const char *native_go_arch(void)
{
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__i386__)
        return "x86";
#elif defined(__arm__)
        return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64le";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#else
        return "unknown";
#endif
}

static const char *get_string(const struct cr_json *obj, const char *key)
{
        return cr_json_as_string(cr_json_member(obj, key), NULL);
}

/* A JSON integer 0..2^64-1. */
static int get_u64(const struct cr_json *v, uint64_t *ret)
{
        return cr_json_as_uint64(v, ret);
}

static int parse_errno_ret(const struct oci_reader *rd, const struct cr_json *v, const char *where, int *ret,
                           struct cr_error **err)
{
        uint64_t n;

        if (get_u64(v, &n) < 0 || n == 0 || n > ERRNO_VALUE_MAX)
                return oci_fail(rd, err, "%s: errno must be an integer from 1 to %u", where,
                                ERRNO_VALUE_MAX);
        *ret = (int)n;
        return 0;
}

/* action + optional errno: SCMP_ACT_ERRNO takes errnoRet (else
 * fallback_errno: EPERM, as runc); SCMP_ACT_TRACE takes it as its message. */
static int parse_action(const struct oci_reader *rd, const char *name, const struct cr_json *errno_ret,
                        int fallback_errno, const char *where, struct policy_action *ret,
                        struct cr_error **err)
{
        struct policy_action a = {.kind = _ACTION_KIND_INVALID};
        int r;

        if (!name)
                return oci_fail(rd, err, "%s: missing action", where);
        if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
                return oci_fail(rd, err,
                                "%s: SCMP_ACT_NOTIFY needs a listener agent, which CodeRunner does not run",
                                where);
        for (size_t i = 0; i < ARRAY_SIZE(oci_actions); i++)
                if (strcmp(name, oci_actions[i].name) == 0)
                        a.kind = oci_actions[i].kind;
        if (a.kind < 0)
                return oci_fail(rd, err, "%s: unknown action '%.40s'", where, name);
        if (a.kind == ACTION_ERRNO || a.kind == ACTION_TRACE) {
                a.value = a.kind == ACTION_ERRNO ? fallback_errno : 1;
                if (errno_ret) {
                        r = parse_errno_ret(rd, errno_ret, where, &a.value, err);
                        if (r < 0)
                                return r;
                }
        }
        *ret = a;
        return 0;
}

static int parse_arg(const struct oci_reader *rd, const struct cr_json *o, const char *where,
                     struct policy_cond *ret, struct cr_error **err)
{
        const struct cr_json *index = cr_json_member(o, "index"), *value = cr_json_member(o, "value"),
                             *value2 = cr_json_member(o, "valueTwo");
        const char *op = get_string(o, "op");
        uint64_t idx, v, v2 = 0;
        struct policy_cond c = {.op = _CMP_OP_INVALID};

        if (cr_json_type(o) != CR_JSON_OBJECT)
                return oci_fail(rd, err, "%s: not an object", where);
        if (!index || get_u64(index, &idx) < 0 || idx > 5)
                return oci_fail(rd, err, "%s.index: must be 0 to 5", where);
        if (!value || get_u64(value, &v) < 0 || (value2 && get_u64(value2, &v2) < 0))
                return oci_fail(rd, err, "%s: value and valueTwo must be integers from 0 to 2^64-1", where);
        for (int i = 0; op && i < _CMP_OP_MAX; i++)
                if (strcmp(op, oci_ops[i]) == 0)
                        c.op = (enum cmp_op)i;
        if (c.op < 0)
                return oci_fail(rd, err, "%s.op: unknown operator '%.40s'", where, op ? op : "");
        c.arg = (unsigned)idx;
        /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum. */
        c.mask = c.op == CMP_MASKED_EQ ? v : 0;
        c.value = c.op == CMP_MASKED_EQ ? v2 : v;
        if (c.op == CMP_MASKED_EQ && c.mask == 0)
                return oci_fail(rd, err, "%s: mask 0 makes the condition always true", where);
        if (c.op == CMP_MASKED_EQ && (c.value & ~c.mask) != 0)
                return oci_fail(rd, err,
                                "%s: valueTwo has bits outside the mask: the condition could never be true",
                                where);
        *ret = c;
        return 0;
}

static int parse_args(const struct oci_reader *rd, const struct cr_json *args, const char *where,
                      struct policy_rule *rule, struct cr_error **err)
{
        unsigned seen = 0;
        size_t n;

        if (cr_json_type(args) == CR_JSON_NULL)
                return 0;
        if (cr_json_type(args) != CR_JSON_ARRAY)
                return oci_fail(rd, err, "%s.args: not an array", where);
        n = cr_json_array_len(args);
        if (n > RULE_CONDS_MAX)
                return oci_fail(rd, err, "%s.args: more than %u conditions", where, RULE_CONDS_MAX);
        for (size_t i = 0; i < n; i++) {
                char at[96];
                int r;

                snprintf(at, sizeof(at), "%s.args[%zu]", where, i);
                r = parse_arg(rd, cr_json_array_at(args, i), at, &rule->conds[i], err);
                if (r < 0)
                        return r;
                if (seen & (1U << rule->conds[i].arg))
                        return oci_fail(rd, err, "%s: arg%u is compared twice in one rule", at,
                                        rule->conds[i].arg);
                seen |= 1U << rule->conds[i].arg;
                rule->n_conds++;
        }
        /* canonical order, as the text parser keeps it */
        for (unsigned i = 1; i < rule->n_conds; i++)
                for (unsigned j = i; j > 0 && rule->conds[j - 1].arg > rule->conds[j].arg; j--) {
                        struct policy_cond t = rule->conds[j];

                        rule->conds[j] = rule->conds[j - 1];
                        rule->conds[j - 1] = t;
                }
        return 0;
}

static bool string_in_array(const struct cr_json *arr, const char *s)
{
        size_t n = cr_json_array_len(arr);

        for (size_t i = 0; i < n; i++) {
                const char *v = cr_json_as_string(cr_json_array_at(arr, i), NULL);

                if (v && strcmp(v, s) == 0)
                        return true;
        }
        return false;
}

static bool array_nonempty(const struct cr_json *obj, const char *key)
{
        return cr_json_array_len(cr_json_member(obj, key)) > 0;
}

/* "5.10" against the running kernel's release; an unparsable version
 * counts as newer (the entry is skipped, the safe direction). */
static bool kernel_at_least(const char *want)
{
        unsigned wmaj = 0, wmin = 0, maj = 0, min = 0;
        struct utsname u;

        if (sscanf(want, "%u.%u", &wmaj, &wmin) < 1 || uname(&u) < 0 ||
            sscanf(u.release, "%u.%u", &maj, &min) < 2)
                return false;
        return maj > wmaj || (maj == wmaj && min >= wmin);
}

/* Docker's includes/excludes for a process with no capabilities on the
 * native architecture and this kernel. */
static bool entry_applies(struct oci_reader *rd, const struct cr_json *entry)
{
        const struct cr_json *inc = cr_json_member(entry, "includes"), *exc = cr_json_member(entry, "excludes");
        const char *min_kernel;

        if (inc && array_nonempty(inc, "caps")) {
                rd->skipped_caps++;
                return false;
        }
        if ((array_nonempty(inc, "arches") && !string_in_array(cr_json_member(inc, "arches"), rd->native)) ||
            string_in_array(cr_json_member(exc, "arches"), rd->native)) {
                rd->skipped_arch++;
                return false;
        }
        min_kernel = inc ? get_string(inc, "minKernel") : NULL;
        if (min_kernel && min_kernel[0] && !kernel_at_least(min_kernel)) {
                rd->skipped_kernel++;
                return false;
        }
        return true;
}

static void remove_rule(struct cr_seccomp_profile *p, size_t i)
{
        memmove(&p->rules[i], &p->rules[i + 1], (p->n_rules - i - 1) * sizeof(p->rules[0]));
        p->n_rules--;
}

/* Several entries for one syscall meet in libseccomp, which resolves them
 * so: the first unconditional rule wins, and conditional rules of any other
 * action beside it have no effect. The model keeps only what takes effect,
 * so explain, diff and test agree with the compiled filter; each rule that
 * loses is recorded as a note, since it is likely not what the profile's
 * author meant. Returns whether the new rule should be added. */
static bool resolve_overlap(const struct oci_reader *rd, const struct policy_rule *new)
{
        struct cr_seccomp_profile *p = rd->profile;
        _cleanup_buf_ struct cr_buf act = CR_BUF_INIT(64);

        for (size_t i = p->n_rules; i-- > 0;) {
                const struct policy_rule *o = &p->rules[i];
                bool same = actions_equal(&o->action, &new->action);

                if (o->nr != new->nr)
                        continue;
                if (o->n_conds == 0) {
                        if (!same) {
                                (void)append_action(&act, &o->action);
                                profile_add_note(
                                        p,
                                        "syscalls[%u]: '%s' has no effect: syscalls[%u] already gives it "
                                        "%s unconditionally",
                                        new->line - 1, new->name, o->line - 1, act.data ? act.data : "");
                        }
                        return false;
                }
                if (same && conds_equal(o, new))
                        return false;
                if (new->n_conds == 0) {
                        if (!same)
                                profile_add_note(
                                        p,
                                        "syscalls[%u]: '%s' has no effect: syscalls[%u] gives it an "
                                        "unconditional action",
                                        o->line - 1, o->name, new->line - 1);
                        remove_rule(p, i);
                }
        }
        return true;
}

static int add_name(struct oci_reader *rd, const struct cr_json *jname, const struct policy_rule *tmpl,
                    struct cr_error **err)
{
        const char *name = cr_json_as_string(jname, NULL);
        struct policy_rule rule = *tmpl;
        size_t len = name ? strlen(name) : 0;

        if (len == 0 || len > SYSCALL_NAME_MAX ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
                return oci_fail(rd, err, "syscalls[%u].names: invalid syscall name", tmpl->line - 1);
        if (syscall_resolve(name, &rule.nr) < 0) {
                profile_add_note(rd->profile, "syscalls[%u]: '%s' skipped: libseccomp %s does not know it",
                                 tmpl->line - 1, name, cr_seccomp_backend_version());
                return 0;
        }
        memcpy(rule.name, name, len + 1);
        if (!resolve_overlap(rd, &rule))
                return 0;
        return profile_append_rule(rd->profile, &rule, err);
}

static int parse_entry(struct oci_reader *rd, const struct cr_json *entry, unsigned index,
                       struct cr_error **err)
{
        struct policy_rule rule = {.line = index + 1, .comment = -1, .section = -1};
        const struct cr_json *names = cr_json_member(entry, "names");
        const char *comment;
        char where[32];
        int r;

        snprintf(where, sizeof(where), "syscalls[%u]", index);
        if (cr_json_type(entry) != CR_JSON_OBJECT)
                return oci_fail(rd, err, "%s: not an object", where);
        if (!entry_applies(rd, entry))
                return 0;
        r = parse_action(rd, get_string(entry, "action"), cr_json_member(entry, "errnoRet"), EPERM, where,
                         &rule.action, err);
        if (r >= 0)
                r = parse_args(rd, cr_json_member(entry, "args"), where, &rule, err);
        if (r < 0)
                return r;
        comment = get_string(entry, "comment");
        if (comment)
                rule.comment = profile_add_comment(rd->profile, comment, strlen(comment));
        /* "names", or the old format's single "name" */
        if (cr_json_type(names) == CR_JSON_ARRAY) {
                for (size_t i = 0; r >= 0 && i < cr_json_array_len(names); i++)
                        r = add_name(rd, cr_json_array_at(names, i), &rule, err);
                return r;
        }
        if (cr_json_has_member(entry, "name"))
                return add_name(rd, cr_json_member(entry, "name"), &rule, err);
        return oci_fail(rd, err, "%s: no \"names\"", where);
}

static int parse_defaults(struct oci_reader *rd, const struct cr_json *root, struct cr_error **err)
{
        struct cr_seccomp_profile *p = rd->profile;
        const char *newer = get_string(root, "newerAction");
        int r;

        r = parse_action(rd, get_string(root, "defaultAction"), cr_json_member(root, "defaultErrnoRet"), EPERM, "defaultAction",
                         &p->default_action, err);
        if (r < 0)
                return r;
        if (p->default_action.kind == ACTION_ALLOW || p->default_action.kind == ACTION_LOG)
                return oci_fail(
                        rd, err,
                        "defaultAction: would allow syscalls nobody listed; profiles are allowlists");
        p->default_line = 1;
        if (!newer)
                return 0;
        /* CodeRunner's extension (see seccomp/README.md "newer"). */
        r = parse_action(rd, newer, cr_json_member(root, "newerErrnoRet"), ENOSYS, "newerAction", &p->newer_action, err);
        if (r < 0)
                return r;
        if (p->newer_action.kind == ACTION_ALLOW || p->newer_action.kind == ACTION_LOG)
                return oci_fail(rd, err, "newerAction: would allow syscalls nobody reviewed");
        p->newer_line = 1;
        return 0;
}

static void note_architectures(struct oci_reader *rd, const struct cr_json *root)
{
        size_t n;

        if (array_nonempty(root, "archMap"))
                profile_add_note(rd->profile,
                                 "archMap ignored: the filter covers the native architecture only, "
                                 "and every other ABI is killed");
        n = cr_json_array_len(cr_json_member(root, "architectures"));
        if (n > 1)
                profile_add_note(rd->profile,
                                 "architectures: only the native one is filtered; the %zu others are "
                                 "killed",
                                 n - 1);
}

static int parse_root(struct oci_reader *rd, const struct cr_json *root, struct cr_error **err)
{
        const struct cr_json *syscalls = cr_json_member(root, "syscalls");
        size_t listener_len = 0;
        int r;

        if (cr_json_type(root) != CR_JSON_OBJECT)
                return oci_fail(rd, err, "not a JSON object");
        if (cr_json_as_string(cr_json_member(root, "listenerPath"), &listener_len) && listener_len > 0)
                return oci_fail(rd, err, "listenerPath: user notification agents are not supported");
        r = parse_defaults(rd, root, err);
        if (r < 0)
                return r;
        note_architectures(rd, root);
        if (array_nonempty(root, "flags"))
                profile_add_note(rd->profile,
                                 "flags ignored: CodeRunner installs the filter with its own flags");
        if (syscalls && cr_json_type(syscalls) != CR_JSON_ARRAY)
                return oci_fail(rd, err, "syscalls: not an array");
        for (size_t i = 0; r >= 0 && i < cr_json_array_len(syscalls); i++)
                r = parse_entry(rd, cr_json_array_at(syscalls, i), (unsigned)i, err);
        return r;
}

static void note_skips(struct oci_reader *rd)
{
        if (rd->skipped_caps)
                profile_add_note(rd->profile,
                                 "%u entries skipped: they apply only with capabilities (includes.caps), "
                                 "and the sandbox grants none",
                                 rd->skipped_caps);
        if (rd->skipped_arch)
                profile_add_note(rd->profile,
                                 "%u entries skipped: they apply to other architectures than %s",
                                 rd->skipped_arch, rd->native);
        if (rd->skipped_kernel)
                profile_add_note(rd->profile,
                                 "%u entries skipped: they need a newer kernel (includes.minKernel)",
                                 rd->skipped_kernel);
}

static unsigned line_of(const char *text, size_t offset)
{
        unsigned line = 1;

        for (size_t i = 0; i < offset; i++)
                line += text[i] == '\n';
        return line;
}

static int json_fail(const struct cr_seccomp_profile *p, const char *text, size_t offset, const char *what,
                     struct cr_error **err)
{
        _cleanup_free_ char *msg =
                xasprintf("%s:%u: invalid JSON: %s", p->name, line_of(text, offset), what);

        return cr_error_set_raw(err, EINVAL, CR_ERROR_INVALID, msg);
}

int profile_parse_oci(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                      struct cr_error **err)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p =
                profile_new(name, PROFILE_FORMAT_OCI);
        _cleanup_(cr_json_freep) struct cr_json *root = NULL;
        struct oci_reader rd = {.profile = p, .native = native_go_arch()};
        size_t end, bom = 0;
        const char *why;
        int r;

        /* A UTF-8 byte order mark, as some editors write, is not JSON. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                bom = 3;
        root = cr_json_parse_prefix(text + bom, len - bom, JSON_DEPTH_MAX, CR_JSON_STRICT, &end, &why);
        end += bom;
        if (!root)
                return json_fail(p, text, MIN(end, len), why, err);
        while (end < len && strchr(" \t\r\n", text[end]))
                end++;
        if (end < len)
                return json_fail(p, text, end, "text after the JSON object", err);
        r = parse_root(&rd, root, err);
        if (r < 0)
                return r;
        note_skips(&rd);
        *ret = TAKE_PTR(p);
        return 0;
}

/* ---------------------------------------------------------------- export */

static const char *action_oci_name(enum action_kind kind)
{
        switch (kind) {
        case ACTION_ALLOW:
                return "SCMP_ACT_ALLOW";
        case ACTION_ERRNO:
                return "SCMP_ACT_ERRNO";
        case ACTION_KILL_THREAD:
                return "SCMP_ACT_KILL_THREAD";
        case ACTION_TRAP:
                return "SCMP_ACT_TRAP";
        case ACTION_TRACE:
                return "SCMP_ACT_TRACE";
        case ACTION_LOG:
                return "SCMP_ACT_LOG";
        default:
                return "SCMP_ACT_KILL_PROCESS";
        }
}

static void add_action(struct cr_json_writer *w, const char *key, const char *errno_key,
                       const struct policy_action *a)
{
        cr_json_field_string(w, key, action_oci_name(a->kind));
        if (a->kind == ACTION_ERRNO || a->kind == ACTION_TRACE)
                cr_json_field_int(w, errno_key, a->value);
}

static void export_args(struct cr_json_writer *w, const struct policy_rule *rule)
{
        cr_json_key(w, "args");
        cr_json_array_begin(w);
        for (unsigned i = 0; i < rule->n_conds; i++) {
                const struct policy_cond *c = &rule->conds[i];

                cr_json_object_begin(w);
                cr_json_field_int(w, "index", (int)c->arg);
                cr_json_field_uint(w, "value", c->op == CMP_MASKED_EQ ? c->mask : c->value);
                cr_json_field_uint(w, "valueTwo", c->op == CMP_MASKED_EQ ? c->value : 0);
                cr_json_field_string(w, "op", oci_ops[c->op]);
                cr_json_object_end(w);
        }
        cr_json_array_end(w);
}

/* One entry per profile line (or OCI entry) and action: the syscalls it
 * names, its conditions and its comment, in profile order. */
static void export_entry(struct cr_json_writer *w, const struct cr_seccomp_profile *p, size_t first, size_t end)
{
        const struct policy_rule *rule = &p->rules[first];

        cr_json_object_begin(w);
        cr_json_key(w, "names");
        cr_json_array_begin(w);
        for (size_t i = first; i < end; i++)
                cr_json_string(w, p->rules[i].name);
        cr_json_array_end(w);
        add_action(w, "action", "errnoRet", &rule->action);
        export_args(w, rule);
        if (rule->comment >= 0)
                cr_json_field_string(w, "comment", p->comments[rule->comment]);
        cr_json_object_end(w);
}

static bool same_entry(const struct policy_rule *a, const struct policy_rule *b)
{
        return a->line == b->line && actions_equal(&a->action, &b->action) && conds_equal(a, b) &&
               a->comment == b->comment;
}

static const char *native_scmp_arch(void)
{
#if defined(__x86_64__)
        return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
        return "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
        return "SCMP_ARCH_X86";
#elif defined(__arm__)
        return "SCMP_ARCH_ARM";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "SCMP_ARCH_PPC64LE";
#elif defined(__s390x__)
        return "SCMP_ARCH_S390X";
#elif defined(__riscv) && __riscv_xlen == 64
        return "SCMP_ARCH_RISCV64";
#else
        return "SCMP_ARCH_NATIVE";
#endif
}

static void export_root(struct cr_json_writer *w, const struct cr_seccomp_profile *p)
{
        cr_json_object_begin(w);
        add_action(w, "defaultAction", "defaultErrnoRet", &p->default_action);
        cr_json_key(w, "architectures");
        cr_json_array_begin(w);
        cr_json_string(w, native_scmp_arch());
        cr_json_array_end(w);
        /* CodeRunner's extension: other runtimes ignore members they do not
         * know; `coderunner seccomp` reads it back. */
        if (p->newer_line > 0)
                add_action(w, "newerAction", "newerErrnoRet", &p->newer_action);
        cr_json_key(w, "syscalls");
        cr_json_array_begin(w);
        for (size_t i = 0; i < p->n_rules;) {
                size_t end = i + 1;

                while (end < p->n_rules && same_entry(&p->rules[i], &p->rules[end]))
                        end++;
                export_entry(w, p, i, end);
                i = end;
        }
        cr_json_array_end(w);
        cr_json_object_end(w);
}

int cr_seccomp_export_oci(const struct cr_seccomp_profile *p, struct cr_buf *out, struct cr_error **err)
{
        /* written aside first, so a failure leaves out as it was */
        _cleanup_buf_ struct cr_buf text = CR_BUF_INIT(out->max);
        struct cr_json_writer w;
        int r;

        cr_json_writer_init_ext(&w, &text, CR_JSON_PRETTY | CR_JSON_SPACED);
        export_root(&w, p);
        r = cr_json_writer_finish(&w);
        if (r >= 0)
                r = cr_buf_append(&text, "\n", 1);
        if (r >= 0)
                r = cr_buf_append(out, text.data, text.len);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "%s: export as OCI JSON", p->name);
        return 0;
}
