/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(struct cr_buf *b, size_t extra)
{
        size_t need, n;
        char *p;

        if (extra > b->max - b->len)
                return -ENOSPC;
        need = b->len + extra + 1;
        if (need <= b->alloc)
                return 0;
        n = b->alloc ? b->alloc : 256;
        while (n < need)
                n = n > SIZE_MAX / 2 ? need : n * 2;
        if (n > b->max + 1)
                n = b->max + 1;
        p = realloc(b->data, n);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->alloc = n;
        return 0;
}

int cr_buf_append(struct cr_buf *b, const void *data, size_t n)
{
        int r = buf_reserve(b, n);
        if (r < 0)
                return r;
        if (n)
                memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = 0;
        return 0;
}

size_t cr_buf_append_truncate(struct cr_buf *b, const void *data, size_t n)
{
        size_t room = b->max - b->len, take = n < room ? n : room;

        if (take && cr_buf_append(b, data, take) < 0)
                return n;
        return n - take;
}

int cr_buf_printf(struct cr_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        r = buf_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
        return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xE0) == 0xC0)
                len = 2, cp = s[0] & 0x1F;
        else if ((s[0] & 0xF0) == 0xE0)
                len = 3, cp = s[0] & 0x0F;
        else if ((s[0] & 0xF8) == 0xF0)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        /* reject overlong forms, surrogates and out-of-range code points */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return len;
}

bool cr_utf8_valid(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;

        for (size_t i = 0, l; i < n; i += l)
                if ((l = utf8_seq_len(p + i, n - i)) == 0)
                        return false;
        return true;
}

int cr_buf_append_json_string(struct cr_buf *b, const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;
        int r = cr_buf_append(b, "\"", 1);

        for (size_t i = 0; r >= 0 && i < n;) {
                unsigned char c = p[i];
                size_t l;

                if (c == '"' || c == '\\') {
                        char esc[2] = { '\\', (char) c };
                        r = cr_buf_append(b, esc, 2);
                        i++;
                } else if (c < 0x20 || c == 0x7f) {
                        const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
                        r = named ? cr_buf_append(b, named, 2) : cr_buf_printf(b, "\\u%04x", c);
                        i++;
                } else if ((l = utf8_seq_len(p + i, n - i)) > 0) {
                        r = cr_buf_append(b, p + i, l);
                        i += l;
                } else {
                        r = cr_buf_append(b, "\\ufffd", 6);
                        i++;
                }
        }
        return r < 0 ? r : cr_buf_append(b, "\"", 1);
}

void cr_buf_done(struct cr_buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len = b->alloc = 0;
}

char *cr_buf_steal(struct cr_buf *b)
{
        char *p = b->data;
        if (!p)
                p = calloc(1, 1);
        b->data = NULL;
        b->len = b->alloc = 0;
        return p;
}
