/* SPDX-License-Identifier: MIT */
#include "config.h"

/* Runs N sandboxes from one process through the library (what the daemon's
 * workers do) and prints one JSON object: failures, fd counts before and
 * after (the fd-leak check), median and p95 latency, each run's from the
 * call to its result. Used by the leak tests and by bench/. With --runs,
 * also each run's verdict, memory peak and output size; the runs may take
 * programs and memory limits in turn (the tests of what a slot keeps
 * between runs, sandbox/keep.c). */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "proc-util.h"
#include "sandbox/sandbox.h"

#define MAX_PROGRAMS 4
#define MAX_LIMITS 4

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* "A,B,...": memory limits taken in turn by the runs */
static int parse_limits(const char *list, uint64_t *ret, unsigned *ret_n)
{
        char buf[256], *save = NULL;

        if ((size_t) snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
                return -EINVAL;
        *ret_n = 0;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (*ret_n >= MAX_LIMITS || parse_size(t, &ret[(*ret_n)++]) < 0 || ret[*ret_n - 1] == 0)
                        return -EINVAL;
        return *ret_n > 0 ? 0 : -EINVAL;
}

/* PROGRAM [ARGS] [::: PROGRAM [ARGS]]...: programs taken in turn */
static unsigned split_programs(char **argv, const char *const **ret)
{
        unsigned n = 0;

        ret[n++] = (const char *const *) argv;
        for (char **a = argv; *a; a++)
                if (strcmp(*a, ":::") == 0) {
                        *a = NULL;
                        if (n >= MAX_PROGRAMS || !a[1])
                                return 0;
                        ret[n++] = (const char *const *) a + 1;
                }
        return n;
}

static void print_run(const struct cr_sandbox_result *res, bool first)
{
        printf("%s{\"verdict\":\"%s\",\"memory_peak_bytes\":%llu,\"stdout_len\":%zu}", first ? "" : ",",
               cr_verdict_to_string(res->verdict), (unsigned long long) res->memory_peak_bytes, res->out.len);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "rootfs", required_argument, NULL, 'r' }, { "count", required_argument, NULL, 'n' },
                { "allow-missing-controller", required_argument, NULL, 'a' },
                { "memory-limits", required_argument, NULL, 'm' }, { "runs", no_argument, NULL, 'R' }, {},
        };
        static const char *const envp[] = { "PATH=/bin", NULL };
        struct cr_error *err = NULL;
        struct cli_sandbox_env env;
        struct cr_sandbox_spec spec = { .envp = envp };
        const char *const *programs[MAX_PROGRAMS];
        uint64_t count = 100, *lat, limits[MAX_LIMITS];
        unsigned failures = 0, errors = 0, allow = 0, bit, n_programs, n_limits = 0;
        bool runs = false;
        int c, fds_before, fds_after;

        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                if (c == 'r')
                        spec.rootfs = optarg;
                else if (c == 'a' && cli_parse_controller(optarg, &bit) == 0)
                        allow |= bit;
                else if (c == 'm' && parse_limits(optarg, limits, &n_limits) == 0)
                        continue;
                else if (c == 'R')
                        runs = true;
                else if (c != 'n' || safe_atou64(optarg, &count) < 0 || count == 0)
                        return 2;
        }
        if (!spec.rootfs || optind >= argc || (n_programs = split_programs(argv + optind, programs)) == 0) {
                fprintf(stderr, "usage: sandbox-loop --rootfs DIR [--count N] [--memory-limits A,B,...] [--runs] "
                                "-- PROGRAM [ARGS] [::: PROGRAM [ARGS]]...\n");
                return 2;
        }
        cr_sandbox_limits_default(&spec.limits);
        if (cli_sandbox_env_open(&env, cli_default_seccomp_profile(), allow, false, &err) < 0) {
                fprintf(stderr, "sandbox-loop: %s\n", err->msg);
                return 1;
        }
        /* as the daemon does for each of its slots, and its workers */
        if (cr_sandbox_prepare_slot(env.sandbox, spec.slot, &err) < 0) {
                fprintf(stderr, "sandbox-loop: %s\n", err->msg);
                return 1;
        }
        cr_sandbox_keep_between_runs(env.sandbox);
        lat = calloc(count, sizeof(*lat));
        fds_before = fd_count_open();
        if (runs)
                printf("{\"runs\":[");
        for (uint64_t i = 0; i < count; i++) {
                struct cr_sandbox_result res;
                uint64_t t0;

                spec.argv = programs[i % n_programs];
                if (n_limits > 0)
                        spec.limits.memory_bytes = limits[i % n_limits];
                t0 = now_ns();
                if (cr_sandbox_run(env.sandbox, &spec, &res, &err) < 0) {
                        fprintf(stderr, "sandbox-loop: run %llu: %s\n", (unsigned long long) i, err->msg);
                        err = cr_error_free(err);
                        failures++;
                        errors++;
                        break; /* a setup error repeats on every run */
                }
                lat[i] = (now_ns() - t0) / 1000;
                if (res.verdict != CR_VERDICT_OK)
                        failures++;
                if (runs)
                        print_run(&res, i == 0);
                cr_sandbox_result_done(&res);
        }
        /* what a worker does before it reports the job done */
        cr_sandbox_release_kept(env.sandbox);
        fds_after = fd_count_open();
        qsort(lat, count, sizeof(*lat), cmp_u64);
        printf("%s\"count\":%llu,\"failures\":%u,\"fds_before\":%d,\"fds_after\":%d,\"median_us\":%llu,\"p95_us\":%llu}\n",
               runs ? "]," : "{", (unsigned long long) count, failures, fds_before, fds_after,
               (unsigned long long) lat[count / 2], (unsigned long long) lat[(count * 95) / 100 - (count >= 20 ? 1 : 0)]);
        free(lat);
        cli_sandbox_env_close(&env);
        /* with --runs the verdicts are the caller's to judge */
        return (runs ? errors : failures) ? 1 : 0;
}
