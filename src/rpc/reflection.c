/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "rpc/rpc-internal.h"

#include <errno.h>
#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "log.h"
#include "rpc/status.h"
#include "xalloc.h"

/* grpc.reflection.v1 and v1alpha ServerReflection/ServerReflectionInfo.
 *
 * The two versions are the same messages with the same field numbers in
 * another package, so one handler built on the v1 types serves both.
 *
 * What is served comes from serialized FileDescriptorSets embedded at build
 * time (protoc --include_imports --descriptor_set_out, then
 * scripts/embed-descriptors.sh). At start-up each set is split into its
 * FileDescriptorProtos (byte ranges of the embedded array, served verbatim)
 * and each is parsed with protobuf-c's descriptor.proto code to build a
 * sorted symbol → file index: packages' messages, nested messages, fields,
 * oneofs, enums, enum values, services, methods and extensions. */

#define MAX_NESTING 32
#define MAX_EXTENSION_NUMBERS 1024

struct desc_file {
        const uint8_t *data; /* not owned: the embedded FileDescriptorProto bytes */
        size_t len;
        Google__Protobuf__FileDescriptorProto *fdp; /* owned */
};

struct symbol {
        char *name; /* owned, fully qualified, no leading dot */
        size_t file;
        bool is_message;
};

struct rpc_reflection {
        struct cr_rpc_server *srv; /* not owned */
        struct desc_file *files;
        size_t n_files;
        struct symbol *symbols; /* sorted by name, distinct */
        size_t n_symbols;
};

/* ---------------------------------------------------------------- index */

static void add_symbol(struct rpc_reflection *r, const char *scope, const char *name, size_t file,
                       bool is_message)
{
        if (!name)
                return;
        r->symbols = xrealloc(r->symbols, sizeof(*r->symbols) * (r->n_symbols + 1));
        r->symbols[r->n_symbols++] = (struct symbol) {
                .name = *scope ? xasprintf("%s.%s", scope, name) : xstrdup(name),
                .file = file,
                .is_message = is_message,
        };
}

/* Enum values are scoped like C++ enumerators: siblings of their enum. */
static void index_enum(struct rpc_reflection *r, const char *scope, const Google__Protobuf__EnumDescriptorProto *e,
                       size_t file)
{
        add_symbol(r, scope, e->name, file, false);
        for (size_t i = 0; i < e->n_value; i++)
                add_symbol(r, scope, e->value[i]->name, file, false);
}

static void index_message(struct rpc_reflection *r, const char *scope, const Google__Protobuf__DescriptorProto *m,
                          size_t file, unsigned depth)
{
        _cleanup_free_ char *full = NULL;

        if (!m->name || depth > MAX_NESTING)
                return;
        full = *scope ? xasprintf("%s.%s", scope, m->name) : xstrdup(m->name);
        add_symbol(r, scope, m->name, file, true);
        for (size_t i = 0; i < m->n_field; i++)
                add_symbol(r, full, m->field[i]->name, file, false);
        for (size_t i = 0; i < m->n_oneof_decl; i++)
                add_symbol(r, full, m->oneof_decl[i]->name, file, false);
        for (size_t i = 0; i < m->n_extension; i++)
                add_symbol(r, full, m->extension[i]->name, file, false);
        for (size_t i = 0; i < m->n_enum_type; i++)
                index_enum(r, full, m->enum_type[i], file);
        for (size_t i = 0; i < m->n_nested_type; i++)
                index_message(r, full, m->nested_type[i], file, depth + 1);
}

static void index_file(struct rpc_reflection *r, size_t file)
{
        const Google__Protobuf__FileDescriptorProto *f = r->files[file].fdp;
        const char *pkg = f->package ? f->package : "";

        for (size_t i = 0; i < f->n_message_type; i++)
                index_message(r, pkg, f->message_type[i], file, 0);
        for (size_t i = 0; i < f->n_enum_type; i++)
                index_enum(r, pkg, f->enum_type[i], file);
        for (size_t i = 0; i < f->n_extension; i++)
                add_symbol(r, pkg, f->extension[i]->name, file, false);
        for (size_t i = 0; i < f->n_service; i++) {
                const Google__Protobuf__ServiceDescriptorProto *s = f->service[i];
                _cleanup_free_ char *full = NULL;

                if (!s->name)
                        continue;
                add_symbol(r, pkg, s->name, file, false);
                full = *pkg ? xasprintf("%s.%s", pkg, s->name) : xstrdup(s->name);
                for (size_t j = 0; j < s->n_method; j++)
                        add_symbol(r, full, s->method[j]->name, file, false);
        }
}

static int cmp_symbol(const void *a, const void *b)
{
        const struct symbol *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->file < y->file ? -1 : x->file > y->file;
}

/* Sorts and drops duplicates, keeping the first file that declared a name. */
static void sort_symbols(struct rpc_reflection *r)
{
        size_t n = 0;

        qsort(r->symbols, r->n_symbols, sizeof(*r->symbols), cmp_symbol);
        for (size_t i = 0; i < r->n_symbols; i++) {
                if (n > 0 && strcmp(r->symbols[n - 1].name, r->symbols[i].name) == 0) {
                        log_debug("reflection: '%s' declared twice, keeping the first", r->symbols[i].name);
                        free(r->symbols[i].name);
                        continue;
                }
                r->symbols[n++] = r->symbols[i];
        }
        r->n_symbols = n;
}

static const struct symbol *find_symbol(const struct rpc_reflection *r, const char *name)
{
        struct symbol key = { .name = (char *) name };
        size_t lo = 0, hi = r->n_symbols;

        if (name[0] == '.')
                key.name++;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(key.name, r->symbols[mid].name);

                if (c == 0)
                        return &r->symbols[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

static ssize_t find_file(const struct rpc_reflection *r, const char *name)
{
        for (size_t i = 0; i < r->n_files; i++)
                if (strcmp(r->files[i].fdp->name, name) == 0)
                        return (ssize_t) i;
        return -1;
}

static int read_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *ret)
{
        uint64_t v = 0;

        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t b;

                if (*off >= len)
                        return -EBADMSG;
                b = p[(*off)++];
                v |= (uint64_t) (b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return -EBADMSG;
}

static int add_file(struct rpc_reflection *r, const uint8_t *data, size_t len, struct cr_error **err)
{
        Google__Protobuf__FileDescriptorProto *fdp;

        fdp = google__protobuf__file_descriptor_proto__unpack(NULL, len, data);
        if (!fdp || !fdp->name) {
                if (fdp)
                        google__protobuf__file_descriptor_proto__free_unpacked(fdp, NULL);
                return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL, "Malformed FileDescriptorProto");
        }
        if (find_file(r, fdp->name) >= 0) { /* the same import in another set */
                google__protobuf__file_descriptor_proto__free_unpacked(fdp, NULL);
                return 0;
        }
        r->files = xrealloc(r->files, sizeof(*r->files) * (r->n_files + 1));
        r->files[r->n_files] = (struct desc_file) { .data = data, .len = len, .fdp = fdp };
        index_file(r, r->n_files++);
        return 0;
}

/* A FileDescriptorSet holds only `repeated FileDescriptorProto file = 1`:
 * walk its records and keep each file's bytes as they are. */
static int reflection_add(struct rpc_reflection *r, const void *data, size_t len, struct cr_error **err)
{
        const uint8_t *p = data;
        size_t off = 0;
        int k;

        while (off < len) {
                uint64_t tag, n;

                if (read_varint(p, len, &off, &tag) < 0 || tag != ((1 << 3) | 2) ||
                    read_varint(p, len, &off, &n) < 0 || n > len - off)
                        return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL, "Malformed FileDescriptorSet");
                k = add_file(r, p + off, (size_t) n, err);
                if (k < 0)
                        return k;
                off += (size_t) n;
        }
        sort_symbols(r);
        return 0;
}

/* ------------------------------------------------------------- extensions */

struct ext_query {
        const char *extendee; /* ".pkg.Type" as protoc writes it */
        int32_t number;       /* < 0: collect every number */
        int32_t *numbers;
        size_t n_numbers;
        bool found;
};

static void match_extensions(struct ext_query *q, Google__Protobuf__FieldDescriptorProto *const *ext, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (!ext[i]->extendee || !ext[i]->has_number || strcmp(ext[i]->extendee, q->extendee) != 0)
                        continue;
                if (q->number >= 0 && ext[i]->number == q->number)
                        q->found = true;
                if (q->number < 0 && q->n_numbers < MAX_EXTENSION_NUMBERS)
                        q->numbers[q->n_numbers++] = ext[i]->number;
        }
}

static void scan_message(struct ext_query *q, const Google__Protobuf__DescriptorProto *m, unsigned depth)
{
        if (depth > MAX_NESTING)
                return;
        match_extensions(q, m->extension, m->n_extension);
        for (size_t i = 0; i < m->n_nested_type; i++)
                scan_message(q, m->nested_type[i], depth + 1);
}

/* The first file declaring a matching extension, or -1. */
static ssize_t scan_extensions(const struct rpc_reflection *r, struct ext_query *q)
{
        ssize_t first = -1;

        for (size_t i = 0; i < r->n_files; i++) {
                const Google__Protobuf__FileDescriptorProto *f = r->files[i].fdp;
                bool before = q->found;

                match_extensions(q, f->extension, f->n_extension);
                for (size_t j = 0; j < f->n_message_type; j++)
                        scan_message(q, f->message_type[j], 0);
                if (first < 0 && q->found && !before)
                        first = (ssize_t) i;
        }
        return first;
}

/* -------------------------------------------------------------- answers */

static void set_error(Grpc__Reflection__V1__ServerReflectionResponse *resp,
                      Grpc__Reflection__V1__ErrorResponse *e, int code, const char *message)
{
        e->error_code = code;
        e->error_message = (char *) message;
        resp->message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
        resp->error_response = e;
}

/* The file first, then its transitive dependencies (breadth first). */
static void send_files(struct cr_rpc_call *call, const struct rpc_reflection *r,
                       Grpc__Reflection__V1__ServerReflectionResponse *resp, size_t root)
{
        Grpc__Reflection__V1__FileDescriptorResponse fdr = GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
        _cleanup_free_ ProtobufCBinaryData *out = xzalloc(sizeof(*out) * r->n_files);
        _cleanup_free_ size_t *order = xzalloc(sizeof(*order) * r->n_files);
        _cleanup_free_ bool *seen = xzalloc(sizeof(*seen) * r->n_files);
        size_t n = 0;

        order[n++] = root;
        seen[root] = true;
        for (size_t i = 0; i < n; i++) {
                const Google__Protobuf__FileDescriptorProto *f = r->files[order[i]].fdp;

                for (size_t d = 0; d < f->n_dependency; d++) {
                        ssize_t j = find_file(r, f->dependency[d]);

                        if (j < 0)
                                log_debug("reflection: dependency '%s' of '%s' not embedded", f->dependency[d],
                                          f->name);
                        else if (!seen[j]) {
                                seen[j] = true;
                                order[n++] = (size_t) j;
                        }
                }
        }
        for (size_t i = 0; i < n; i++)
                out[i] = (ProtobufCBinaryData) { .len = r->files[order[i]].len,
                                                 .data = (uint8_t *) r->files[order[i]].data };
        fdr.n_file_descriptor_proto = n;
        fdr.file_descriptor_proto = out;
        resp->message_response_case =
                GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
        resp->file_descriptor_response = &fdr;
        (void) cr_rpc_call_send(call, &resp->base);
}

static void send_services(struct cr_rpc_call *call, struct rpc_reflection *r,
                          Grpc__Reflection__V1__ServerReflectionResponse *resp)
{
        Grpc__Reflection__V1__ListServiceResponse list = GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
        const char *const *names;
        size_t n = rpc_server_services(r->srv, &names);
        _cleanup_free_ Grpc__Reflection__V1__ServiceResponse *items = xzalloc(sizeof(*items) * (n + 1));
        _cleanup_free_ Grpc__Reflection__V1__ServiceResponse **ptrs = xzalloc(sizeof(*ptrs) * (n + 1));

        for (size_t i = 0; i < n; i++) {
                items[i] = (Grpc__Reflection__V1__ServiceResponse) GRPC__REFLECTION__V1__SERVICE_RESPONSE__INIT;
                items[i].name = (char *) names[i];
                ptrs[i] = &items[i];
        }
        list.n_service = n;
        list.service = ptrs;
        resp->message_response_case =
                GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
        resp->list_services_response = &list;
        (void) cr_rpc_call_send(call, &resp->base);
}

static void send_extension_numbers(struct cr_rpc_call *call, const struct rpc_reflection *r,
                                   Grpc__Reflection__V1__ServerReflectionResponse *resp, const char *type)
{
        Grpc__Reflection__V1__ExtensionNumberResponse enr = GRPC__REFLECTION__V1__EXTENSION_NUMBER_RESPONSE__INIT;
        Grpc__Reflection__V1__ErrorResponse e = GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
        const struct symbol *s = find_symbol(r, type);
        _cleanup_free_ char *extendee = NULL;
        _cleanup_free_ int32_t *numbers = NULL;
        struct ext_query q = { .number = -1 };

        if (!s || !s->is_message) {
                set_error(resp, &e, CR_RPC_STATUS_NOT_FOUND, "type not found");
                (void) cr_rpc_call_send(call, &resp->base);
                return;
        }
        extendee = xasprintf(".%s", s->name);
        numbers = xzalloc(sizeof(*numbers) * MAX_EXTENSION_NUMBERS);
        q.extendee = extendee;
        q.numbers = numbers;
        (void) scan_extensions(r, &q);
        enr.base_type_name = s->name;
        enr.n_extension_number = q.n_numbers;
        enr.extension_number = numbers;
        resp->message_response_case =
                GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
        resp->all_extension_numbers_response = &enr;
        (void) cr_rpc_call_send(call, &resp->base);
}

static ssize_t file_of_extension(const struct rpc_reflection *r, const Grpc__Reflection__V1__ExtensionRequest *x)
{
        _cleanup_free_ char *extendee = NULL;
        struct ext_query q = {};

        if (!x || !x->containing_type || x->extension_number < 0)
                return -1;
        extendee = xasprintf(".%s", x->containing_type[0] == '.' ? x->containing_type + 1 : x->containing_type);
        q.extendee = extendee;
        q.number = x->extension_number;
        return scan_extensions(r, &q);
}

static void on_info(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Grpc__Reflection__V1__ServerReflectionRequest *req = (const void *) request;
        Grpc__Reflection__V1__ServerReflectionResponse resp = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
        Grpc__Reflection__V1__ErrorResponse e = GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
        struct rpc_reflection *r = userdata;
        const struct symbol *s;
        ssize_t file = -1;

        if (!req) { /* the client is done */
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
                return;
        }
        resp.valid_host = req->host;
        resp.original_request = (Grpc__Reflection__V1__ServerReflectionRequest *) req;

        switch (req->message_request_case) {
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
                send_services(call, r, &resp);
                return;
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
                send_extension_numbers(call, r, &resp, req->all_extension_numbers_of_type);
                return;
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
                file = find_file(r, req->file_by_filename);
                break;
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
                s = find_symbol(r, req->file_containing_symbol);
                file = s ? (ssize_t) s->file : -1;
                break;
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
                file = file_of_extension(r, req->file_containing_extension);
                break;
        default:
                set_error(&resp, &e, CR_RPC_STATUS_UNIMPLEMENTED, "unknown message_request");
                (void) cr_rpc_call_send(call, &resp.base);
                return;
        }
        if (file < 0) {
                set_error(&resp, &e, CR_RPC_STATUS_NOT_FOUND, "not found");
                (void) cr_rpc_call_send(call, &resp.base);
                return;
        }
        send_files(call, r, &resp, (size_t) file);
}

/* ---------------------------------------------------------------- setup */

static void reflection_free(void *state)
{
        struct rpc_reflection *r = state;

        if (!r)
                return;
        for (size_t i = 0; i < r->n_files; i++)
                google__protobuf__file_descriptor_proto__free_unpacked(r->files[i].fdp, NULL);
        for (size_t i = 0; i < r->n_symbols; i++)
                free(r->symbols[i].name);
        free(r->files);
        free(r->symbols);
        free(r);
}

static const struct rpc_extension reflection_extension = {
        .name = "reflection",
        .free = reflection_free,
};

int cr_rpc_server_add_reflection(struct cr_rpc_server *srv, struct cr_error **err)
{
        static const char *const paths[] = {
                "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        };
        struct rpc_reflection *r;
        int k;

        if (rpc_server_extension(srv, &reflection_extension))
                return 0;
        r = xzalloc(sizeof(*r));
        r->srv = srv;
        k = rpc_server_add_extension(srv, &reflection_extension, r, err);
        for (size_t i = 0; k >= 0 && i < ARRAY_SIZE(paths); i++)
                k = cr_rpc_server_add_method(srv, paths[i], CR_RPC_BIDI_STREAM,
                                             &grpc__reflection__v1__server_reflection_request__descriptor, on_info,
                                             r, err);
        if (k >= 0)
                k = reflection_add(r, cr_rpc_descriptor_set, cr_rpc_descriptor_set_len, err);
        return k;
}

int cr_rpc_server_add_descriptors(struct cr_rpc_server *srv, const void *data, size_t len, struct cr_error **err)
{
        struct rpc_reflection *r = rpc_server_extension(srv, &reflection_extension);

        if (!r)
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "Reflection is not enabled");
        return reflection_add(r, data, len, err);
}
