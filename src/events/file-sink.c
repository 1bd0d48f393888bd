/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "events-internal.h"
#include "json/json.h"
#include "xalloc.h"

/* The JSON-lines sink: with no broker configured, events go to
 * <dir>/events.jsonl, one line per event:
 *   {"topic":"...","key":"...","value":{...the payload...}}
 * Events sent are collected and written together at the next poll, then
 * fdatasync()ed, and only then reported delivered: a line is on disk before
 * its outbox row is marked sent. Past max_bytes the file is rotated
 * (events.jsonl.1 ... .keep, the oldest dropped), like logrotate. */

#define FILE_NAME       "events.jsonl"
#define MAX_BATCH_BYTES (64u * 1024u * 1024u)

struct file_sink {
        struct cr_event_sink base;
        int dir_fd;
        int fd;
        uint64_t size;
        uint64_t max_bytes;
        unsigned keep;
        struct cr_buf batch; /* lines not written yet */
        uint64_t *ids;       /* their ids, in order */
        size_t n_ids;
        size_t alloc_ids;
        bool torn; /* a failed write may have left half a line */
};

static int open_file(struct file_sink *f)
{
        struct stat st;

        f->fd = openat(f->dir_fd, FILE_NAME, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (f->fd < 0)
                return -errno;
        if (fstat(f->fd, &st) < 0)
                return -errno;
        f->size = (uint64_t)st.st_size;
        return 0;
}

/* events.jsonl.(k-1) → .k, from the oldest kept down, then events.jsonl →
 * .1; the rename over .keep drops the oldest. */
static int rotate(struct file_sink *f)
{
        char from[64], to[64];

        for (unsigned k = f->keep; k > 1; k--) {
                snprintf(from, sizeof(from), FILE_NAME ".%u", k - 1);
                snprintf(to, sizeof(to), FILE_NAME ".%u", k);
                if (renameat(f->dir_fd, from, f->dir_fd, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        if (renameat(f->dir_fd, FILE_NAME, f->dir_fd, FILE_NAME ".1") < 0)
                return -errno;
        f->fd = safe_close(f->fd);
        if (fsync(f->dir_fd) < 0)
                return -errno;
        return open_file(f);
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k, n -= (size_t)k;
        }
        return 0;
}

static int write_batch(struct file_sink *f)
{
        int r = 0;

        if (f->fd < 0)
                r = open_file(f);
        if (r >= 0 && f->size > 0 && f->size + f->batch.len > f->max_bytes)
                r = rotate(f);
        if (r >= 0 && f->torn)
                r = write_all(f->fd, "\n", 1);
        if (r >= 0)
                f->torn = false, r = write_all(f->fd, f->batch.data, f->batch.len);
        if (r >= 0 && fdatasync(f->fd) < 0)
                r = -errno;
        if (r >= 0)
                f->size += f->batch.len;
        else
                /* a partial line may be on disk: the next batch starts on a
                 * fresh line so readers can skip the broken one */
                f->torn = true, f->fd = safe_close(f->fd);
        return r;
}

static int file_send(struct cr_event_sink *s, uint64_t id, const char *topic, const char *key,
                     const char *payload, size_t payload_len, struct cr_error **err)
{
        struct file_sink *f = (struct file_sink *)s;
        struct cr_json_writer w;
        size_t start = f->batch.len;
        int r;

        cr_json_writer_init(&w, &f->batch);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "topic", topic);
        cr_json_field_string(&w, "key", key);
        cr_json_key(&w, "value");
        cr_json_raw(&w, payload, payload_len);
        cr_json_object_end(&w);
        r = cr_json_writer_finish(&w);
        if (r >= 0)
                r = cr_buf_append(&f->batch, "\n", 1);
        if (r < 0) {
                f->batch.len = start;
                return r == -ENOSPC
                               ? cr_error_make(err, ENOBUFS, CR_ERROR_LIMIT, "The events file batch is full")
                               : cr_error_make(err, -r, CR_ERROR_INTERNAL, "Event %llu",
                                               (unsigned long long)id);
        }
        if (f->n_ids == f->alloc_ids) {
                f->alloc_ids = f->alloc_ids ? f->alloc_ids * 2 : 64;
                f->ids = xrealloc(f->ids, f->alloc_ids * sizeof(*f->ids));
        }
        f->ids[f->n_ids++] = id;
        return 0;
}

static int file_poll(struct cr_event_sink *s, int timeout_ms)
{
        struct file_sink *f = (struct file_sink *)s;
        size_t n = f->n_ids;
        _cleanup_free_ uint64_t *ids = NULL;
        char reason[128] = "";
        int r;

        (void)timeout_ms; /* a local file never keeps us waiting for a report */
        if (n == 0)
                return 0;
        r = write_batch(f);
        if (r < 0)
                snprintf(reason, sizeof(reason), "writing %s: %s", FILE_NAME, strerror(-r));
        /* a report may send again: it gets fresh arrays */
        f->batch.len = 0;
        ids = TAKE_PTR(f->ids);
        f->n_ids = f->alloc_ids = 0;
        for (size_t i = 0; i < n; i++)
                event_sink_report(&f->base, ids[i], r < 0 ? r : 0, r < 0 ? reason : NULL);
        return (int)MIN(n, (size_t)INT32_MAX);
}

static void file_free(struct cr_event_sink *s)
{
        struct file_sink *f = (struct file_sink *)s;

        for (size_t i = 0; i < f->n_ids; i++)
                event_sink_report(&f->base, f->ids[i], -ECANCELED, "the events file was closed");
        safe_close(f->fd);
        safe_close(f->dir_fd);
        cr_buf_done(&f->batch);
        free(f->ids);
        free(f);
}

static const struct cr_event_sink_ops file_ops = {
        .kind = "file",
        .send = file_send,
        .poll = file_poll,
        .free = file_free,
};

int event_sink_new_file(const char *dir, uint64_t max_bytes, unsigned keep, struct cr_event_sink **ret,
                        struct cr_error **err)
{
        struct file_sink *f;
        int dir_fd, r;

        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE,
                                    "Cannot create the events directory '%s'", dir);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE,
                                    "Cannot open the events directory '%s'", dir);
        f = xzalloc(sizeof(*f));
        *f = (struct file_sink){
                .base.ops = &file_ops,
                .dir_fd = dir_fd,
                .fd = -EBADF,
                .max_bytes = max_bytes,
                .keep = keep,
                .batch = CR_BUF_INIT(MAX_BATCH_BYTES),
        };
        r = open_file(f);
        if (r < 0) {
                file_free(&f->base);
                return cr_error_set(err, -r, CR_ERROR_UNAVAILABLE, "Cannot open '%s/" FILE_NAME "'", dir);
        }
        *ret = &f->base;
        return 0;
}
