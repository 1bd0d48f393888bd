/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "lang/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *no_environment(const char *name, void *userdata)
{
        (void) name;
        (void) userdata;
        return NULL;
}

/* Operator input: a runtime's catalogue entry (rootfs/runtimes/NAME.json,
 * first byte even) or the daemon's KEY=VALUE configuration file (odd). What
 * parses is looked up, dumped and freed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL;
        _cleanup_buf_ struct cr_buf dump = CR_BUF_INIT(1 << 20);
        struct cr_runtime rt = { 0 };
        struct cr_catalog cat = { .runtimes = &rt, .n = 1 };
        const struct cr_runtime *found;
        struct cr_config *cfg = NULL;

        if (size == 0 || size > CR_CATALOG_MAX_FILE + 1)
                return 0;
        if (data[0] % 2 == 0) {
                if (cr_runtime_parse((const char *) data + 1, size - 1, "fuzz", &rt, &e1) < 0)
                        return 0;
                (void) cr_catalog_find(&cat, rt.id, &found, &e2);
                cr_runtime_done(&rt);
                return 0;
        }
        {
                _cleanup_free_ char *text = strndup((const char *) data + 1, size - 1);

                if (text && cr_config_load(text, "fuzz", no_environment, NULL, &cfg, &e1) >= 0) {
                        (void) cr_config_dump(cfg, true, &dump);
                        cr_config_free(cfg);
                }
        }
        return 0;
}
