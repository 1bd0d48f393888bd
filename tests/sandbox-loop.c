/* SPDX-License-Identifier: MIT */
#include "config.h"

/* Runs N sandboxes from one process through the library (what the daemon's
 * spawner does) and prints one JSON object: failures, fd counts before and
 * after (the fd-leak check), median and p95 latency. Used by the leak test
 * and by bench/. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "proc-util.h"
#include "sandbox/sandbox.h"

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "rootfs", required_argument, NULL, 'r' }, { "count", required_argument, NULL, 'n' },
                { "allow-missing-controller", required_argument, NULL, 'a' }, {},
        };
        static const char *const envp[] = { "PATH=/bin", NULL };
        struct cr_error *err = NULL;
        struct cli_sandbox_env env;
        struct cr_sandbox_spec spec = { .envp = envp };
        uint64_t count = 100, *lat;
        unsigned failures = 0, allow = 0, bit;
        int c, fds_before, fds_after;

        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                if (c == 'r')
                        spec.rootfs = optarg;
                else if (c == 'a' && cli_parse_controller(optarg, &bit) == 0)
                        allow |= bit;
                else if (c != 'n' || safe_atou64(optarg, &count) < 0 || count == 0)
                        return 2;
        }
        if (!spec.rootfs || optind >= argc) {
                fprintf(stderr, "usage: sandbox-loop --rootfs DIR [--count N] -- PROGRAM [ARGS]\n");
                return 2;
        }
        spec.argv = (const char *const *) argv + optind;
        cr_sandbox_limits_default(&spec.limits);
        if (cli_sandbox_env_open(&env, cli_default_seccomp_profile(), allow, false, &err) < 0) {
                fprintf(stderr, "sandbox-loop: %s\n", err->msg);
                return 1;
        }
        /* as the daemon does for each of its slots */
        if (cr_sandbox_prepare_slot(env.sandbox, spec.slot, &err) < 0) {
                fprintf(stderr, "sandbox-loop: %s\n", err->msg);
                return 1;
        }
        lat = calloc(count, sizeof(*lat));
        fds_before = fd_count_open();
        for (uint64_t i = 0; i < count; i++) {
                struct cr_sandbox_result res;
                uint64_t t0 = now_ns();

                if (cr_sandbox_run(env.sandbox, &spec, &res, &err) < 0) {
                        fprintf(stderr, "sandbox-loop: run %llu: %s\n", (unsigned long long) i, err->msg);
                        err = cr_error_free(err);
                        failures++;
                        break; /* a setup error repeats on every run */
                }
                lat[i] = (now_ns() - t0) / 1000;
                if (res.verdict != CR_VERDICT_OK)
                        failures++;
                cr_sandbox_result_done(&res);
        }
        fds_after = fd_count_open();
        qsort(lat, count, sizeof(*lat), cmp_u64);
        printf("{\"count\":%llu,\"failures\":%u,\"fds_before\":%d,\"fds_after\":%d,\"median_us\":%llu,\"p95_us\":%llu}\n",
               (unsigned long long) count, failures, fds_before, fds_after,
               (unsigned long long) lat[count / 2], (unsigned long long) lat[(count * 95) / 100 - (count >= 20 ? 1 : 0)]);
        free(lat);
        cli_sandbox_env_close(&env);
        return failures ? 1 : 0;
}
