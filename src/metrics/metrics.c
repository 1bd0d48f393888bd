/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "macro.h"

/* Label values come from our own tables (catalogue ids, verdict names,
 * outcome names), never from clients; the caps only bound a bug. */
#define MAX_EXECUTION_SERIES 256
#define MAX_VERDICT_SERIES 32
#define MAX_LABEL 64
#define MAX_GAUGES 32
#define MAX_COLLECTORS 4

struct execution_series {
        char language[MAX_LABEL];
        char status[MAX_LABEL];
        uint64_t count;
};

struct verdict_series {
        char verdict[MAX_LABEL];
        uint64_t count;
};

/* seconds; the last bucket (+Inf) is implicit */
static const double bucket_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };
#define N_BUCKETS ARRAY_SIZE(bucket_bounds)

struct histogram {
        uint64_t buckets[N_BUCKETS]; /* non-cumulative; summed when rendered */
        uint64_t count;
        uint64_t sum_ns;
};

struct gauge {
        const char *name, *help;
        cr_metrics_gauge_fn fn;
        void *userdata;
};

struct collector {
        const char *name;
        cr_metrics_collect_fn fn;
        void *userdata;
};

static const struct {
        const char *name, *help;
} histogram_info[_CR_METRICS_HISTOGRAM_MAX] = {
        [CR_METRICS_QUEUE_WAIT] = { "coderunner_queue_wait_seconds",
                                    "Time a job waited in the queue before the executor took it." },
        [CR_METRICS_COMPILE] = { "coderunner_compile_seconds", "Wall time of compile sandboxes." },
        [CR_METRICS_RUN] = { "coderunner_run_seconds", "Wall time of run sandboxes (one per test)." },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct execution_series executions[MAX_EXECUTION_SERIES];
static size_t n_executions;
static struct verdict_series verdicts[MAX_VERDICT_SERIES];
static size_t n_verdicts;
static struct histogram histograms[_CR_METRICS_HISTOGRAM_MAX];
static uint64_t executor_restarts;
static struct gauge gauges[MAX_GAUGES];
static size_t n_gauges;
static struct collector collectors[MAX_COLLECTORS];
static size_t n_collectors;

static void copy_label(char *dst, const char *src)
{
        snprintf(dst, MAX_LABEL, "%s", src && src[0] ? src : "unknown");
}

void cr_metrics_execution(const char *language, const char *status)
{
        char lang[MAX_LABEL], st[MAX_LABEL];
        size_t i;

        copy_label(lang, language);
        copy_label(st, status);
        pthread_mutex_lock(&lock);
        for (i = 0; i < n_executions; i++)
                if (strcmp(executions[i].language, lang) == 0 && strcmp(executions[i].status, st) == 0)
                        break;
        if (i == n_executions && n_executions < MAX_EXECUTION_SERIES) {
                memcpy(executions[i].language, lang, sizeof(lang));
                memcpy(executions[i].status, st, sizeof(st));
                n_executions++;
        }
        if (i < n_executions)
                executions[i].count++;
        pthread_mutex_unlock(&lock);
}

void cr_metrics_verdict(const char *verdict)
{
        char v[MAX_LABEL];
        size_t i;

        copy_label(v, verdict);
        pthread_mutex_lock(&lock);
        for (i = 0; i < n_verdicts; i++)
                if (strcmp(verdicts[i].verdict, v) == 0)
                        break;
        if (i == n_verdicts && n_verdicts < MAX_VERDICT_SERIES) {
                memcpy(verdicts[i].verdict, v, sizeof(v));
                n_verdicts++;
        }
        if (i < n_verdicts)
                verdicts[i].count++;
        pthread_mutex_unlock(&lock);
}

void cr_metrics_observe(enum cr_metrics_histogram h, uint64_t ns)
{
        double s = (double) ns / 1e9;
        size_t b = 0;

        if ((unsigned) h >= _CR_METRICS_HISTOGRAM_MAX)
                return;
        while (b < N_BUCKETS && s > bucket_bounds[b])
                b++;
        pthread_mutex_lock(&lock);
        if (b < N_BUCKETS)
                histograms[h].buckets[b]++;
        histograms[h].count++;
        histograms[h].sum_ns += ns;
        pthread_mutex_unlock(&lock);
}

void cr_metrics_executor_restart(void)
{
        pthread_mutex_lock(&lock);
        executor_restarts++;
        pthread_mutex_unlock(&lock);
}

int cr_metrics_register_gauge(const char *name, const char *help, cr_metrics_gauge_fn fn, void *userdata)
{
        int r = 0;

        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_gauges; i++)
                if (strcmp(gauges[i].name, name) == 0)
                        r = -EEXIST;
        if (r == 0 && n_gauges >= MAX_GAUGES)
                r = -E2BIG;
        if (r == 0)
                gauges[n_gauges++] = (struct gauge) { name, help, fn, userdata };
        pthread_mutex_unlock(&lock);
        return r;
}

void cr_metrics_unregister_gauge(const char *name)
{
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_gauges; i++)
                if (strcmp(gauges[i].name, name) == 0) {
                        memmove(&gauges[i], &gauges[i + 1], (n_gauges - i - 1) * sizeof(gauges[0]));
                        n_gauges--;
                        break;
                }
        pthread_mutex_unlock(&lock);
}

int cr_metrics_register_collector(const char *name, cr_metrics_collect_fn fn, void *userdata)
{
        int r = 0;

        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_collectors; i++)
                if (strcmp(collectors[i].name, name) == 0)
                        r = -EEXIST;
        if (r == 0 && n_collectors >= MAX_COLLECTORS)
                r = -E2BIG;
        if (r == 0)
                collectors[n_collectors++] = (struct collector) { name, fn, userdata };
        pthread_mutex_unlock(&lock);
        return r;
}

void cr_metrics_unregister_collector(const char *name)
{
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_collectors; i++)
                if (strcmp(collectors[i].name, name) == 0) {
                        memmove(&collectors[i], &collectors[i + 1], (n_collectors - i - 1) * sizeof(collectors[0]));
                        n_collectors--;
                        break;
                }
        pthread_mutex_unlock(&lock);
}

static int render_executions(struct cr_buf *out)
{
        int k = cr_buf_printf(out, "# HELP coderunner_executions_total Executions finished, by language and outcome.\n"
                                   "# TYPE coderunner_executions_total counter\n");

        for (size_t i = 0; k >= 0 && i < n_executions; i++)
                k = cr_buf_printf(out, "coderunner_executions_total{language=\"%s\",status=\"%s\"} %llu\n",
                                  executions[i].language, executions[i].status,
                                  (unsigned long long) executions[i].count);
        return k;
}

static int render_verdicts(struct cr_buf *out)
{
        int k = cr_buf_printf(out, "# HELP coderunner_sandbox_verdicts_total Sandboxes ended, by verdict.\n"
                                   "# TYPE coderunner_sandbox_verdicts_total counter\n");

        for (size_t i = 0; k >= 0 && i < n_verdicts; i++)
                k = cr_buf_printf(out, "coderunner_sandbox_verdicts_total{verdict=\"%s\"} %llu\n", verdicts[i].verdict,
                                  (unsigned long long) verdicts[i].count);
        return k;
}

static int render_histogram(struct cr_buf *out, enum cr_metrics_histogram h)
{
        const char *name = histogram_info[h].name;
        uint64_t cumulative = 0;
        int k = cr_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, histogram_info[h].help, name);

        for (size_t b = 0; k >= 0 && b < N_BUCKETS; b++) {
                cumulative += histograms[h].buckets[b];
                k = cr_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_bounds[b],
                                  (unsigned long long) cumulative);
        }
        if (k >= 0)
                k = cr_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
                                  (unsigned long long) histograms[h].count, name,
                                  (double) histograms[h].sum_ns / 1e9, name,
                                  (unsigned long long) histograms[h].count);
        return k;
}

static int render_fixed(struct cr_buf *out)
{
        int k = render_executions(out);

        if (k >= 0)
                k = render_verdicts(out);
        for (int h = 0; k >= 0 && h < _CR_METRICS_HISTOGRAM_MAX; h++)
                k = render_histogram(out, (enum cr_metrics_histogram) h);
        if (k >= 0)
                k = cr_buf_printf(out, "# HELP coderunner_executor_restarts_total Executor processes restarted "
                                       "after they died.\n# TYPE coderunner_executor_restarts_total counter\n"
                                       "coderunner_executor_restarts_total %llu\n",
                                  (unsigned long long) executor_restarts);
        if (k >= 0)
                k = cr_buf_printf(out, "# HELP coderunner_build_info The running build.\n"
                                       "# TYPE coderunner_build_info gauge\n"
                                       "coderunner_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
        return k;
}

int cr_metrics_render(struct cr_buf *out)
{
        struct gauge copy[MAX_GAUGES];
        struct collector ccopy[MAX_COLLECTORS];
        size_t n, nc;
        int k;

        pthread_mutex_lock(&lock);
        k = render_fixed(out);
        n = n_gauges;
        memcpy(copy, gauges, n * sizeof(copy[0]));
        nc = n_collectors;
        memcpy(ccopy, collectors, nc * sizeof(ccopy[0]));
        pthread_mutex_unlock(&lock);
        /* gauge callbacks take other modules' locks: never under ours */
        for (size_t i = 0; k >= 0 && i < n; i++)
                k = cr_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", copy[i].name, copy[i].help,
                                  copy[i].name, copy[i].name, copy[i].fn(copy[i].userdata));
        for (size_t i = 0; k >= 0 && i < nc; i++)
                k = ccopy[i].fn(ccopy[i].userdata, out);
        return k;
}

void cr_metrics_reset(void)
{
        pthread_mutex_lock(&lock);
        n_executions = n_verdicts = n_gauges = n_collectors = 0;
        memset(histograms, 0, sizeof(histograms));
        executor_restarts = 0;
        pthread_mutex_unlock(&lock);
}
