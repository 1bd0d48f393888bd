/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "lang/catalog.h"

/* `coderunner runtimes [--json]`: the language catalogue with versions. */

static int print_json(const struct cr_catalog *c)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        int k = cr_buf_append(&b, "[", 1);

        for (size_t i = 0; k >= 0 && i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                k = cr_buf_printf(&b, "%s{\"id\":\"%s\",\"version\":\"%s\",\"image\":\"%s\",\"source_file\":\"%s\","
                                  "\"compiled\":%s,\"aliases\":[", i ? "," : "", rt->id, rt->version, rt->image,
                                  rt->source_file, rt->compile ? "true" : "false");
                for (char **a = rt->aliases; k >= 0 && *a; a++) {
                        if (a != rt->aliases)
                                k = cr_buf_append(&b, ",", 1);
                        if (k >= 0)
                                k = cr_buf_append_json_string(&b, *a, strlen(*a));
                }
                if (k >= 0)
                        k = cr_buf_append(&b, "]}", 2);
        }
        if (k >= 0)
                k = cr_buf_append(&b, "]\n", 2);
        return k < 0 || loop_write(STDOUT_FILENO, b.data, b.len) < 0 ? 1 : 0;
}

static void print_table(const struct cr_catalog *c)
{
        printf("%-12s %-10s %-9s %s\n", "RUNTIME", "VERSION", "COMPILED", "ALIASES");
        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                printf("%-12s %-10s %-9s", rt->id, rt->version, rt->compile ? "yes" : "no");
                for (char **a = rt->aliases; *a; a++)
                        printf("%s%s", a == rt->aliases ? " " : ", ", *a);
                printf("\n");
        }
}

int cmd_runtimes(int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *dir = cli_data_path("rootfs/runtimes", "runtimes");
        struct cr_catalog *c = NULL;
        bool json = false;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--help") == 0) {
                        printf("Usage: coderunner runtimes [--json]\n");
                        return 0;
                } else {
                        fprintf(stderr, "coderunner runtimes: unknown argument '%s'\n", argv[i]);
                        return 2;
                }
        }
        if (cr_catalog_load_dir(dir, &c, &err) < 0) {
                fprintf(stderr, "coderunner runtimes: %s\n", err->msg);
                return 1;
        }
        if (json)
                r = print_json(c);
        else {
                print_table(c);
                r = 0;
        }
        cr_catalog_free(c);
        return r;
}
