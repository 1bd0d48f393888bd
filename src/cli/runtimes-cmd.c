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
#include "json/json.h"
#include "lang/catalog.h"

/* `coderunner runtimes [--json] [--image-store DIR]`: the language
 * catalogue, one line per installed version of each runtime, the default
 * marked; a runtime with no image installed is listed as such. */

static void write_runtime(struct cr_json_writer *w, const struct cr_runtime *rt)
{
        cr_json_object_begin(w);
        cr_json_field_string(w, "id", rt->id);
        cr_json_key(w, "version");
        rt->version ? cr_json_string(w, rt->version) : cr_json_null(w);
        cr_json_key(w, "suite");
        rt->suite ? cr_json_string(w, rt->suite) : cr_json_null(w);
        cr_json_field_string(w, "image", rt->image);
        cr_json_field_bool(w, "installed", rt->version != NULL);
        cr_json_field_bool(w, "default", rt->is_default);
        cr_json_field_string(w, "source_file", rt->source_file);
        cr_json_field_bool(w, "compiled", rt->compile != NULL);
        cr_json_key(w, "aliases");
        cr_json_array_begin(w);
        for (char **a = rt->aliases; *a; a++)
                cr_json_string(w, *a);
        cr_json_array_end(w);
        cr_json_object_end(w);
}

static int print_json(const struct cr_catalog *c)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_array_begin(&w);
        for (size_t i = 0; i < c->n; i++)
                write_runtime(&w, &c->runtimes[i]);
        cr_json_array_end(&w);
        if (cr_json_writer_finish(&w) < 0 || cr_buf_append(&b, "\n", 1) < 0)
                return 1;
        return loop_write(STDOUT_FILENO, b.data, b.len) < 0 ? 1 : 0;
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
