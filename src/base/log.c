/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"

int cr_log_max_level = LOG_LEVEL_INFO;
static enum log_format log_format = LOG_FORMAT_TEXT;

static const char *const level_names[] = {
        [LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_NOTICE] = "notice",
        [LOG_LEVEL_INFO] = "info",   [LOG_LEVEL_DEBUG] = "debug",
};

void cr_log_set_level(int level)
{
        cr_log_max_level = level;
}

void cr_log_set_format(enum log_format format)
{
        log_format = format;
}

int cr_log_level_from_string(const char *s)
{
        for (size_t i = LOG_LEVEL_ERROR; i < ARRAY_SIZE(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (int) i;
        return -1;
}

static cr_log_sink_fn log_sink;

void cr_log_set_sink(cr_log_sink_fn sink)
{
        log_sink = sink;
}

static void emit_json(const struct cr_log_record *rec)
{
        struct cr_buf b = CR_BUF_INIT(64 * 1024);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        (void) cr_buf_printf(&b, "{\"ts\":%lld.%03ld,\"level\":\"%s\",\"src\":\"%s:%d\",",
                             (long long) ts.tv_sec, ts.tv_nsec / 1000000, level_names[rec->level], rec->file,
                             rec->line);
        if (rec->event)
                (void) cr_buf_printf(&b, "\"event\":\"%s\",", rec->event);
        (void) cr_buf_printf(&b, "\"msg\":");
        (void) cr_buf_append_json_string(&b, rec->message, strlen(rec->message));
        (void) cr_buf_append(&b, "}\n", 2);
        (void) !write(STDERR_FILENO, b.data, b.len);
        cr_buf_done(&b);
}

/* Text: one line, whatever the message held. */
static void emit_text(const struct cr_log_record *rec)
{
        char line[4200];
        int n = snprintf(line, sizeof(line), "coderunner: %s%s\n", rec->level <= LOG_LEVEL_WARNING ?
                         (rec->level == LOG_LEVEL_ERROR ? "error: " : "warning: ") : "", rec->message);

        if (n < 0)
                return;
        if ((size_t) n >= sizeof(line))
                n = sizeof(line) - 1;
        for (int i = 0; i < n - 1; i++)
                if (line[i] == '\n' || line[i] == '\r')
                        line[i] = ' ';
        (void) !write(STDERR_FILENO, line, (size_t) n);
}

_printf_(6, 0) static void log_va(int level, const char *file, int line, const struct cr_error *err,
                                  const char *event, const char *fmt, va_list ap)
{
        char msg[4096 + 8] = "MESSAGE=", code_file[512];
        struct cr_log_record rec = { .file = file, .line = line, .event = event, .message = msg + 8,
                                     .message_field = msg, .code_file_field = code_file };
        size_t cap = sizeof(msg) - 8;
        int n;

        rec.level = level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG ? LOG_LEVEL_ERROR : level;
        n = vsnprintf(msg + 8, cap, fmt, ap);
        if (n >= 0 && err && (size_t) n < cap)
                snprintf(msg + 8 + n, cap - (size_t) n, ": %s", err->msg);
        rec.errnum = err ? err->errnum : 0;
        snprintf(code_file, sizeof(code_file), "CODE_FILE=%s", file);
        if (log_sink)
                log_sink(&rec);
        else if (log_format == LOG_FORMAT_JSON)
                emit_json(&rec);
        else
                emit_text(&rec);
}

void cr_log_internal(int level, const char *file, int line, const struct cr_error *err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(level, file, line, err, NULL, fmt, ap);
        va_end(ap);
}

void cr_log_event_internal(int level, const char *file, int line, const struct cr_error *err, const char *event,
                           const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(level, file, line, err, event, fmt, ap);
        va_end(ap);
}
