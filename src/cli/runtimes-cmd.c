/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image.h"
#include "lang/catalog.h"

/* `coderunner runtimes [--json] [--image-store DIR]`: the language
 * catalogue, one line per installed version of each runtime, the default
 * marked; a runtime with no image installed is listed as such. */

static int json_strv(struct cr_buf *b, char **v)
{
        int k = cr_buf_append(b, "[", 1);

        for (char **a = v; k >= 0 && *a; a++) {
                if (a != v)
                        k = cr_buf_append(b, ",", 1);
                if (k >= 0)
                        k = cr_buf_append_json_string(b, *a, strlen(*a));
        }
        return k < 0 ? k : cr_buf_append(b, "]", 1);
}

static int json_field(struct cr_buf *b, const char *key, const char *value)
{
        int k = cr_buf_printf(b, ",\"%s\":", key);

        if (k >= 0)
                k = value ? cr_buf_append_json_string(b, value, strlen(value)) : cr_buf_append(b, "null", 4);
        return k;
}

static int print_json(const struct cr_catalog *c)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        int k = cr_buf_append(&b, "[", 1);

        for (size_t i = 0; k >= 0 && i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                k = cr_buf_printf(&b, "%s{\"id\":\"%s\"", i ? "," : "", rt->id);
                if (k >= 0)
                        k = json_field(&b, "version", rt->version);
                if (k >= 0)
                        k = json_field(&b, "suite", rt->suite);
                if (k >= 0)
                        k = cr_buf_printf(&b, ",\"image\":\"%s\",\"installed\":%s,\"default\":%s,"
                                          "\"source_file\":\"%s\",\"compiled\":%s,\"aliases\":",
                                          rt->image, rt->version ? "true" : "false",
                                          rt->is_default ? "true" : "false", rt->source_file,
                                          rt->compile ? "true" : "false");
                if (k >= 0)
                        k = json_strv(&b, rt->aliases);
                if (k >= 0)
                        k = cr_buf_append(&b, "}", 1);
        }
        if (k >= 0)
                k = cr_buf_append(&b, "]\n", 2);
        return k < 0 || loop_write(STDOUT_FILENO, b.data, b.len) < 0 ? 1 : 0;
}

static void print_table(const struct cr_catalog *c)
{
        printf("%-12s %-12s %-8s %-9s %-9s %s\n", "RUNTIME", "VERSION", "DEFAULT", "SUITE", "COMPILED", "ALIASES");
        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                bool first = i == 0 || strcmp(rt->id, c->runtimes[i - 1].id) != 0;

                printf("%-12s %-12s %-8s %-9s %-9s", first ? rt->id : "", rt->version ? rt->version : "(none)",
                       rt->is_default ? "*" : "", rt->suite ? rt->suite : "-",
                       !first ? "" : rt->compile ? "yes" : "no");
                for (char **a = rt->aliases; first && *a; a++)
                        printf("%s%s", a == rt->aliases ? " " : ", ", *a);
                printf("\n");
        }
}

static const struct option options[] = {
        {"json", no_argument, NULL, 'j'},
        {"image-store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {},
};

int cmd_runtimes(int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_store_freep) struct cr_image_store *store = NULL;
        _cleanup_free_ char *defaults = NULL;
        const char *store_path = secure_getenv("CODERUNNER_IMAGE_STORE");
        struct cr_catalog *c = NULL;
        bool json = false;
        int opt, r;

        optind = 1;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                if (opt == 'j')
                        json = true;
                else if (opt == 's')
                        store_path = optarg;
                else if (opt == 'h') {
                        printf("Usage: coderunner runtimes [--json] [--image-store DIR]\n");
                        return 0;
                } else {
                        fprintf(stderr, "coderunner runtimes: unknown argument '%s'\n", argv[optind - 1]);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "coderunner runtimes: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        r = cr_image_store_open(store_path && store_path[0] ? store_path : CR_IMAGE_STORE_DEFAULT, 0, NULL, &store,
                                &err);
        if (r < 0 && err->kind == CR_ERROR_NOT_FOUND) /* no store: nothing installed */
                err = cr_error_free(err);
        else if (r < 0)
                goto fail;
        if (cli_runtime_defaults(&defaults, &err) < 0 || cli_catalog_load(store, defaults, &c, &err) < 0)
                goto fail;
        if (c->warnings)
                fprintf(stderr, "coderunner runtimes: %s", c->warnings);
        if (json)
                r = print_json(c);
        else {
                print_table(c);
                r = 0;
        }
        cr_catalog_free(c);
        return r;
fail:
        fprintf(stderr, "coderunner runtimes: %s\n", err->msg);
        return err->kind == CR_ERROR_INVALID ? 2 : 1;
}
