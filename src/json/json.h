/* SPDX-License-Identifier: MIT */
#pragma once

/* JSON in one place (docs/internals/json.md).
 *
 * The writer: JSON text appended to the project's bounded buffer (struct
 * cr_buf), so no document grows past the buffer's cap. Errors are sticky: the
 * first failure (-ENOSPC at the cap, -ENOMEM, -EINVAL for a misuse such as a
 * value without a key inside an object) is kept, every later call does
 * nothing, and cr_json_writer_finish() returns it. Callers write a whole
 * document and check once.
 *
 * Strings are escaped; bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON whatever a client sent. Non-logging, no
 * third-party header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_buf;

#define CR_JSON_MAX_DEPTH 32

struct cr_json_writer {
        struct cr_buf *buf; /* not owned */
        int error;          /* the first failure, 0 while none */
        unsigned depth;
        bool in_object[CR_JSON_MAX_DEPTH];
        bool first[CR_JSON_MAX_DEPTH]; /* nothing written yet at this depth */
        bool have_key;                 /* a key waits for its value */
        unsigned flags;                /* CR_JSON_PRETTY, CR_JSON_SPACED */
};

/* Layouts for files people read (image.json, exported seccomp profiles):
 * CR_JSON_PRETTY puts every member and element on its own line, indented by
 * two spaces per level, with an empty container as "{\n}" (json-c's
 * JSON_C_TO_STRING_PRETTY, byte for byte, so files written before the
 * writer existed compare equal); CR_JSON_SPACED adds a space after ':'. */
#define CR_JSON_PRETTY 1u
#define CR_JSON_SPACED 2u

void cr_json_writer_init(struct cr_json_writer *w, struct cr_buf *buf);
void cr_json_writer_init_ext(struct cr_json_writer *w, struct cr_buf *buf, unsigned flags);
/* 0, or the first error; -EINVAL when containers are still open. */
int cr_json_writer_finish(struct cr_json_writer *w);

void cr_json_object_begin(struct cr_json_writer *w);
void cr_json_object_end(struct cr_json_writer *w);
void cr_json_array_begin(struct cr_json_writer *w);
void cr_json_array_end(struct cr_json_writer *w);
void cr_json_key(struct cr_json_writer *w, const char *key);

void cr_json_string(struct cr_json_writer *w, const char *s); /* NULL writes "" */
void cr_json_string_n(struct cr_json_writer *w, const char *s, size_t n);
void cr_json_int(struct cr_json_writer *w, int64_t v);
void cr_json_uint(struct cr_json_writer *w, uint64_t v);
/* The shortest form that reads back as v (like Go's encoding/json);
 * NaN and infinities, which JSON cannot hold, are -EINVAL. */
void cr_json_double(struct cr_json_writer *w, double v);
void cr_json_bool(struct cr_json_writer *w, bool v);
void cr_json_null(struct cr_json_writer *w);
/* Text that is already one JSON value (e.g. a stored event payload); the
 * caller vouches for it. */
void cr_json_raw(struct cr_json_writer *w, const char *json, size_t n);

/* "key": value shorthands for objects. */
void cr_json_field_string(struct cr_json_writer *w, const char *key, const char *s);
void cr_json_field_int(struct cr_json_writer *w, const char *key, int64_t v);
void cr_json_field_uint(struct cr_json_writer *w, const char *key, uint64_t v);
void cr_json_field_double(struct cr_json_writer *w, const char *key, double v);
void cr_json_field_bool(struct cr_json_writer *w, const char *key, bool v);

/* RFC 3339 UTC time with the fraction Go's time.Time marshals
 * (RFC3339Nano: trailing zeros dropped), from microseconds since the epoch:
 * "2025-11-16T18:00:00.123456Z". buf holds at least 40 bytes. */
void cr_json_format_time(uint64_t us, char buf[static 40]);

/* ---- The reader (json-reader.c) ----
 *
 * A parsed document is a tree of struct cr_json values owned by its root
 * (cr_json_free() on the root frees them all); every other value is
 * borrowed from it. Getters take NULL (an absent member) and a value of
 * another type alike, so a caller asks once and checks once. Parsing is
 * bounded: by bytes, by nesting depth, and len beyond INT_MAX is refused. */

struct cr_error;
struct cr_json;

enum cr_json_type {
        CR_JSON_NULL, /* null, or absent (a NULL value): json-c keeps no null object */
        CR_JSON_BOOL,
        CR_JSON_INT,
        CR_JSON_DOUBLE,
        CR_JSON_STRING,
        CR_JSON_ARRAY,
        CR_JSON_OBJECT,
};

/* RFC 8259 only: no comments, no single quotes, no trailing commas. */
#define CR_JSON_STRICT 1u

/* One JSON value at the start of text[0..len), at most max_depth levels
 * deep. Returns the root, *ret_end the offset just after it; or NULL,
 * *ret_end where the parser stopped and *ret_error a static description
 * ("unexpected end of input" when the text ends inside the value). The
 * caller decides what may follow the value. */
struct cr_json *cr_json_parse_prefix(const char *text, size_t len, unsigned max_depth, unsigned flags,
                                     size_t *ret_end, const char **ret_error);
/* The whole of text[0..len) is one JSON value, white space around it
 * allowed, at most max_bytes long and without NUL bytes. Errors: EFBIG
 * "larger than N bytes", EINVAL "contains a NUL byte", "invalid JSON: why",
 * "trailing data after the JSON value". */
int cr_json_parse(const char *text, size_t len, size_t max_bytes, unsigned max_depth, struct cr_json **ret,
                  struct cr_error **err);
struct cr_json *cr_json_free(struct cr_json *root);
void cr_json_freep(struct cr_json **root);

enum cr_json_type cr_json_type(const struct cr_json *v);
const char *cr_json_type_name(enum cr_json_type t); /* "a string", "an object", ... */
/* NULL when obj is not an object, has no such member or its value is null. */
const struct cr_json *cr_json_member(const struct cr_json *obj, const char *key);
/* Whether obj has the member at all, null included. */
bool cr_json_has_member(const struct cr_json *obj, const char *key);
/* 0 unless an object / an array. */
size_t cr_json_object_len(const struct cr_json *obj);
size_t cr_json_array_len(const struct cr_json *arr);
/* NULL unless arr is an array with more than i elements. */
const struct cr_json *cr_json_array_at(const struct cr_json *arr, size_t i);

/* Members in document order: start with it = NULL; false at the end. */
struct cr_json_iter {
        const void *entry;
        bool started;
};
bool cr_json_object_next(const struct cr_json *obj, struct cr_json_iter *it, const char **ret_key,
                         const struct cr_json **ret_value);

/* NULL unless a string; *ret_len (may be NULL) its length. A string with a
 * NUL byte in it is returned, so check cr_json_as_string_clean() where C
 * strings are what the caller keeps. */
const char *cr_json_as_string(const struct cr_json *v, size_t *ret_len);
/* A string of well-formed UTF-8 without NUL bytes, at most max bytes long,
 * or NULL. */
const char *cr_json_as_string_clean(const struct cr_json *v, size_t max);
/* Integers: -EINVAL unless an integer in range (JSON numbers with a
 * fraction or exponent are not integers). */
int cr_json_as_int64(const struct cr_json *v, int64_t *ret);
int cr_json_as_uint64(const struct cr_json *v, uint64_t *ret);
int cr_json_as_bool(const struct cr_json *v, bool *ret);

/* Typed members with errors that name the member's path ("where" is the
 * path of obj, "" at the root): "'debian.suite' is missing", "'limits.cpu_ms'
 * is not a non-negative integer", ... An absent (or null) optional member
 * gives NULL / 0 / false and returns 0. */
#define CR_JSON_REQUIRED 1u
int cr_json_get_string(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       size_t max, const char **ret, struct cr_error **err);
int cr_json_get_uint64(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       uint64_t *ret, struct cr_error **err);
int cr_json_get_bool(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                     bool *ret, struct cr_error **err);
/* An object / array member (NULL when absent and optional). */
int cr_json_get_object(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       const struct cr_json **ret, struct cr_error **err);
int cr_json_get_array(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                      size_t max, const struct cr_json **ret, struct cr_error **err);
