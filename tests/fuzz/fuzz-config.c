/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config/cr-config.h"
#include "error.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The config file parser: any text either loads or fails with one error
 * line; a loaded configuration dumps without its secrets. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = xstrndup((const char *) data, size);
        struct cr_error *err = NULL;
        struct cr_config *c = NULL;
        struct cr_buf b = CR_BUF_INIT(1 << 20);

        if (cr_config_load(text, "fuzz.conf", NULL, NULL, &c, &err) < 0) {
                if (!err || !err->msg || strchr(err->msg, '\n'))
                        abort();
                cr_error_free(err);
        } else {
                if (cr_config_dump(c, true, &b) < 0)
                        abort();
                if (c->kafka_connection_string[0] && memmem(b.data, b.len, c->kafka_connection_string,
                                                            strlen(c->kafka_connection_string)) &&
                    strcmp(c->kafka_connection_string, "<redacted>") != 0)
                        abort();
                cr_config_free(c);
        }
        cr_buf_done(&b);
        free(text);
        return 0;
}
