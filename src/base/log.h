/* SPDX-License-Identifier: MIT */
#pragma once

/* The only logger. Macros check the level before any formatting happens and
 * record file:line. Sinks: stderr as text (default) or JSON lines. */

#include "macro.h"

struct cr_error;

enum log_level {
        LOG_LEVEL_ERROR = 3,
        LOG_LEVEL_WARNING = 4,
        LOG_LEVEL_NOTICE = 5,
        LOG_LEVEL_INFO = 6,
        LOG_LEVEL_DEBUG = 7,
};

enum log_format {
        LOG_FORMAT_TEXT,
        LOG_FORMAT_JSON,
};

extern int cr_log_max_level;

void cr_log_set_level(int level);
void cr_log_set_format(enum log_format format);
int cr_log_level_from_string(const char *s);

void cr_log_internal(int level, const char *file, int line, const struct cr_error *err, const char *fmt, ...)
        _printf_(5, 6);

#define cr_log_full(level, err, ...)                                                    \
        do {                                                                            \
                if ((level) <= cr_log_max_level)                                        \
                        cr_log_internal((level), __FILE__, __LINE__, (err), __VA_ARGS__); \
        } while (0)

#define log_debug(...) cr_log_full(LOG_LEVEL_DEBUG, NULL, __VA_ARGS__)
#define log_info(...) cr_log_full(LOG_LEVEL_INFO, NULL, __VA_ARGS__)
#define log_notice(...) cr_log_full(LOG_LEVEL_NOTICE, NULL, __VA_ARGS__)
#define log_warning(...) cr_log_full(LOG_LEVEL_WARNING, NULL, __VA_ARGS__)
#define log_error(...) cr_log_full(LOG_LEVEL_ERROR, NULL, __VA_ARGS__)
/* log_error_err(err, "Failed to start job '%s'", id): appends the error chain. */
#define log_error_err(err, ...) cr_log_full(LOG_LEVEL_ERROR, (err), __VA_ARGS__)
#define log_warning_err(err, ...) cr_log_full(LOG_LEVEL_WARNING, (err), __VA_ARGS__)
