/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "doctor/doctor.h"
#include "fd-util.h"

/* `coderunner doctor [--json]`: what this host gives the sandbox, each item
 * OK, WARN or FAIL with the fix. Exit 1 when anything FAILs. */

int cmd_doctor(int argc, char **argv)
{
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(1 << 16);
        struct cr_doctor_facts facts;
        struct cr_doctor_report report;
        bool json = false;
        int k;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--help") == 0) {
                        printf("Usage: coderunner doctor [--json]\n\n"
                               "Checks what this host gives the sandbox: cgroup mode and controllers, user\n"
                               "namespaces (AppArmor restrictions included), seccomp, clone3, pidfd, "
                               "openat2,\n"
                               "memory.peak and swap. Prints OK, WARN or FAIL with the fix for each; exits "
                               "1\n"
                               "when anything FAILs.\n");
                        return 0;
                } else {
                        fprintf(stderr, "coderunner doctor: unknown argument '%s'\n", argv[i]);
                        return 2;
                }
        }
        cr_doctor_gather(NULL, &facts);
        cr_doctor_evaluate(&facts, &report);
        k = json ? cr_doctor_report_json(&report, &out) : cr_doctor_report_text(&report, &out);
        if (k < 0 || loop_write(STDOUT_FILENO, out.data, out.len) < 0)
                return 2;
        return cr_doctor_worst(&report) == CR_DOCTOR_FAIL ? 1 : 0;
}
