/* SPDX-License-Identifier: MIT */
#pragma once

/* The only logger. Macros check the level before any formatting happens and
 * record file:line. One line per event. Sinks: stderr as text (default) or
 * JSON lines, or one installed with cr_log_set_sink() (the journal, with
 * structured fields: service/). Never give it source code, stdin, program
 * output or secrets. */

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

/* One log line, for a sink. The *_field members are ready-made journal
 * fields ("MESSAGE=...", "CODE_FILE=..."). */
struct cr_log_record {
        int level;
        const char *file;
        int line;
        const char *message;          /* points into message_field */
        const char *message_field;
        const char *code_file_field;
        const char *event;            /* NULL, or a stable name such as "executor-restarted" */
        int errnum;                   /* from the error chain, 0 if none */
};
typedef void (*cr_log_sink_fn)(const struct cr_log_record *rec);
/* NULL restores stderr. */
void cr_log_set_sink(cr_log_sink_fn sink);

void cr_log_set_level(int level);
void cr_log_set_format(enum log_format format);
int cr_log_level_from_string(const char *s);

void cr_log_internal(int level, const char *file, int line, const struct cr_error *err, const char *fmt, ...)
        _printf_(5, 6);

void cr_log_event_internal(int level, const char *file, int line, const struct cr_error *err, const char *event,
                           const char *fmt, ...) _printf_(6, 7);

#define cr_log_full(level, err, ...)                                                    \
        do {                                                                            \
                if ((level) <= cr_log_max_level)                                        \
                        cr_log_internal((level), __FILE__, __LINE__, (err), __VA_ARGS__); \
        } while (0)

/* An event with a stable name, for structured consumers (CODERUNNER_EVENT=
 * in the journal, "event" in JSON): log_event(LOG_LEVEL_INFO, "ready", "..."). */
#define log_event(level, event, ...)                                                              \
        do {                                                                                      \
                if ((level) <= cr_log_max_level)                                                  \
                        cr_log_event_internal((level), __FILE__, __LINE__, NULL, (event), __VA_ARGS__); \
        } while (0)

#define log_debug(...) cr_log_full(LOG_LEVEL_DEBUG, NULL, __VA_ARGS__)
#define log_info(...) cr_log_full(LOG_LEVEL_INFO, NULL, __VA_ARGS__)
#define log_notice(...) cr_log_full(LOG_LEVEL_NOTICE, NULL, __VA_ARGS__)
#define log_warning(...) cr_log_full(LOG_LEVEL_WARNING, NULL, __VA_ARGS__)
#define log_error(...) cr_log_full(LOG_LEVEL_ERROR, NULL, __VA_ARGS__)
/* log_error_err(err, "Failed to start job '%s'", id): appends the error chain. */
#define log_error_err(err, ...) cr_log_full(LOG_LEVEL_ERROR, (err), __VA_ARGS__)
#define log_warning_err(err, ...) cr_log_full(LOG_LEVEL_WARNING, (err), __VA_ARGS__)
