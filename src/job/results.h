/* SPDX-License-Identifier: MIT */
#pragma once

/* The bounded in-memory table of executions behind CodeExecutionService
 * (ExecuteCode, GetExecutionStatus, StreamExecutionLogs): one entry per
 * execution, keyed by a random UUID v4, holding its status, its pipeline
 * steps, its log and, once over, its result. At capacity the oldest finished
 * entry is evicted; when every entry is still running, adding fails with
 * CR_ERROR_LIMIT. Thread-safe: every function may be called from any thread.
 *
 * Numeric values of the enums equal those of code_execution.proto, so rpc/
 * can convert with a cast (it checks that they agree). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_error;

#define CR_EXEC_ID_LEN 36            /* canonical 8-4-4-4-12 text form */
#define CR_EXEC_TABLE_DEFAULT_CAPACITY 1024
#define CR_EXEC_MAX_META 4           /* key/value pairs per step or log entry */
#define CR_EXEC_MAX_LOG 512          /* log entries kept per execution */

enum cr_exec_status {
        CR_EXEC_PENDING = 1,
        CR_EXEC_RUNNING = 2,
        CR_EXEC_COMPLETED = 3,
        CR_EXEC_FAILED = 4,
        CR_EXEC_TIMEOUT = 5,
        CR_EXEC_CANCELLED = 6,
        _CR_EXEC_STATUS_MAX,
        _CR_EXEC_STATUS_INVALID = -22,
};

enum cr_exec_step_status {
        CR_EXEC_STEP_PENDING = 1,
        CR_EXEC_STEP_RUNNING = 2,
        CR_EXEC_STEP_COMPLETED = 3,
        CR_EXEC_STEP_FAILED = 4,
        CR_EXEC_STEP_SKIPPED = 5,
        _CR_EXEC_STEP_STATUS_MAX,
        _CR_EXEC_STEP_STATUS_INVALID = -22,
};

enum cr_exec_log_level {
        CR_EXEC_LOG_DEBUG = 1,
        CR_EXEC_LOG_INFO = 2,
        CR_EXEC_LOG_WARN = 3,
        CR_EXEC_LOG_ERROR = 4,
        _CR_EXEC_LOG_LEVEL_MAX,
        _CR_EXEC_LOG_LEVEL_INVALID = -22,
};

struct cr_exec_kv {
        char *key;   /* owned */
        char *value; /* owned */
};

struct cr_exec_step {
        char *name;                        /* owned; unique within an execution */
        enum cr_exec_step_status status;
        uint64_t started_us;               /* CLOCK_REALTIME µs; 0 = not started */
        uint64_t completed_us;             /* 0 = not over */
        char *message;                     /* owned, may be NULL */
        char *error;                       /* owned, may be NULL */
        struct cr_exec_kv meta[CR_EXEC_MAX_META];
        size_t n_meta;
        unsigned order;                    /* 1-based, in the order steps were first set */
};

struct cr_exec_test {
        char *id;                          /* owned; as the client sent it */
        bool passed;
        char *expected;                    /* owned */
        char *actual;                      /* owned */
        char *error;                       /* owned, "" when none */
        uint64_t time_ms;
};

/* What an execution ended with (valid once the status is final). */
struct cr_exec_result {
        bool success;
        char *message;                     /* owned */
        uint64_t time_taken_ms;            /* the evaluator's own measure */
        uint64_t memory_used_mb;           /* peak over the runs, rounded up */
        int exit_code;
        bool compile_success;
        char *compile_error;               /* owned, "" when none */
        uint64_t compile_time_ms;
        struct cr_exec_test *tests;        /* owned, in request order */
        size_t n_tests;
};

struct cr_exec_log {
        uint64_t time_us;                  /* CLOCK_REALTIME µs */
        enum cr_exec_log_level level;
        char *message;                     /* owned */
        char *step;                        /* owned, "" for the execution as a whole */
        struct cr_exec_kv meta[CR_EXEC_MAX_META];
        size_t n_meta;
};

/* A deep copy of one entry (cr_exec_table_get). */
struct cr_exec_info {
        char id[CR_EXEC_ID_LEN + 1];
        enum cr_exec_status status;
        uint64_t created_us;
        uint64_t completed_us;             /* 0 while not final */
        struct cr_exec_result result;      /* valid when final */
        struct cr_exec_step *steps;
        size_t n_steps;
};

/* Called with the table locked: it must not call back into the table, and
 * should only queue work (cr_rpc_call_send and the like). last is true once,
 * on the final call, with entry == NULL: the execution is over (or the table
 * is being freed) and the subscription is gone. */
typedef void (*cr_exec_log_fn)(void *userdata, const struct cr_exec_log *entry, bool last);

struct cr_exec_table;

uint64_t cr_exec_now_us(void);
bool cr_exec_status_is_final(enum cr_exec_status s);
/* A random (getrandom) UUID v4 in lower-case canonical form. */
int cr_exec_id_generate(char ret[static CR_EXEC_ID_LEN + 1], struct cr_error **err);
/* 8-4-4-4-12 hexadecimal digits. */
bool cr_exec_id_is_valid(const char *s);

int cr_exec_table_new(size_t capacity, struct cr_exec_table **ret, struct cr_error **err);
/* Ends every subscription (last = true) first. */
struct cr_exec_table *cr_exec_table_free(struct cr_exec_table *t);

/* A new PENDING entry for the execution with this id. */
int cr_exec_table_add(struct cr_exec_table *t, const char *id, struct cr_error **err);
/* Forgets an entry (a request that was refused after all). */
void cr_exec_table_remove(struct cr_exec_table *t, const char *id);
/* The updates below ignore unknown ids (evicted) and finished entries. */
void cr_exec_table_set_status(struct cr_exec_table *t, const char *id, enum cr_exec_status status);
/* Sets the step with this name (adding it at the end if new; fields copied)
 * and logs the change. */
void cr_exec_table_set_step(struct cr_exec_table *t, const char *id, const struct cr_exec_step *step);
/* Appends a log entry (fields copied; time_us 0 = now). */
void cr_exec_table_log(struct cr_exec_table *t, const char *id, const struct cr_exec_log *entry);
/* Makes the entry final: takes *result (zeroed on return), ends every
 * subscription. */
void cr_exec_table_finish(struct cr_exec_table *t, const char *id, enum cr_exec_status status,
                          struct cr_exec_result *result);

/* CR_ERROR_NOT_FOUND for an unknown (or evicted) id. */
int cr_exec_table_get(struct cr_exec_table *t, const char *id, struct cr_exec_info **ret, struct cr_error **err);
/* Replays the log to fn, then (unless the entry is final, in which case fn
 * gets last = true at once) delivers every new entry until it is. Returns a
 * token for cr_exec_table_unsubscribe (0 = already over). */
int cr_exec_table_subscribe(struct cr_exec_table *t, const char *id, cr_exec_log_fn fn, void *userdata,
                            uint64_t *ret_token, struct cr_error **err);
/* After it returns fn is not running and never runs again (last is not
 * sent); false when the subscription was already over. */
bool cr_exec_table_unsubscribe(struct cr_exec_table *t, uint64_t token);

struct cr_exec_info *cr_exec_info_free(struct cr_exec_info *info);
void cr_exec_result_done(struct cr_exec_result *r);
void cr_exec_step_done(struct cr_exec_step *s);

static inline void cr_exec_info_freep(struct cr_exec_info **p)
{
        *p = cr_exec_info_free(*p);
}
