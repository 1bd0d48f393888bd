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

static void emit_json(int level, const char *file, int line, const char *msg)
{
        struct cr_buf b = CR_BUF_INIT(64 * 1024);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        (void) cr_buf_printf(&b, "{\"ts\":%lld.%03ld,\"level\":\"%s\",\"src\":\"%s:%d\",\"msg\":",
                             (long long) ts.tv_sec, ts.tv_nsec / 1000000, level_names[level], file, line);
        (void) cr_buf_append_json_string(&b, msg, strlen(msg));
        (void) cr_buf_append(&b, "}\n", 2);
        (void) !write(STDERR_FILENO, b.data, b.len);
        cr_buf_done(&b);
}

void cr_log_internal(int level, const char *file, int line, const struct cr_error *err, const char *fmt, ...)
{
        char msg[4096];
        va_list ap;
        int n;

        if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
                level = LOG_LEVEL_ERROR;
        va_start(ap, fmt);
        n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n >= 0 && err && (size_t) n < sizeof(msg))
                snprintf(msg + n, sizeof(msg) - (size_t) n, ": %s", err->msg);

        if (log_format == LOG_FORMAT_JSON)
                emit_json(level, file, line, msg);
        else
                fprintf(stderr, "coderunner: %s%s\n", level <= LOG_LEVEL_WARNING ?
                        (level == LOG_LEVEL_ERROR ? "error: " : "warning: ") : "", msg);
}
