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
};

void cr_json_writer_init(struct cr_json_writer *w, struct cr_buf *buf);
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
