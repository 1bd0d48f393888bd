/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config/cr-config.h"
#include "error.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A secret's own line in the dump shows <redacted> or nothing. (Searching the
 * whole dump for the secret's text found a one-letter secret in another key's
 * name: the value was redacted all along.) */
static bool secret_redacted(const struct cr_buf *dump, const char *key)
{
        char *text = xstrndup(dump->data, dump->len), *line = NULL;
        size_t n = strlen(key);
        bool ok = false;

        for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, key, n) == 0 && p[n] == '=') {
                        line = p + n + 1;
                        break;
                }
        if (line)
                ok = strncmp(line, "<redacted>", 10) == 0 || line[0] == '\n' || line[0] == ' ';
        free(text);
        return ok;
}

/* A value of the same emptiness as `s` but different text (secret values
 * are not validated, so any text loads). */
static char *other_secret(const char *s)
{
        return xstrdup(!s[0] ? "" : strcmp(s, "0") == 0 ? "1" : "0");
}

/* The dump must not depend on a secret's text: dumped again with different
 * secrets of the same emptiness, it is the same byte for byte. This finds a
 * secret that leaks anywhere in the dump, not only on its own line, and
 * cannot be fooled by another key that happens to hold the same text. */
static bool dump_independent_of_secrets(struct cr_config *c, const struct cr_buf *dump)
{
        struct cr_buf again = CR_BUF_INIT(1 << 20);
        char *password = c->db_password, *connection = c->kafka_connection_string;
        bool same;

        c->db_password = other_secret(password);
        c->kafka_connection_string = other_secret(connection);
        same = cr_config_dump(c, true, &again) >= 0 && again.len == dump->len &&
               memcmp(again.data, dump->data, dump->len) == 0;
        free(c->db_password);
        free(c->kafka_connection_string);
        c->db_password = password;
        c->kafka_connection_string = connection;
        cr_buf_done(&again);
        return same;
}

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
                if (!secret_redacted(&b, "KAFKA_CONNECTION_STRING") || !secret_redacted(&b, "DB_PASSWORD"))
                        abort();
                if (!dump_independent_of_secrets(c, &b))
                        abort();
                cr_config_free(c);
        }
        cr_buf_done(&b);
        free(text);
        return 0;
}
