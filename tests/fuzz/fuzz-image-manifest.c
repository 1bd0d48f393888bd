/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The image metadata an importer reads from outside: the manifest.json
 * shipped next to an image tarball, the image.json records in the store, and
 * image references ("python@3.11.2"). The first byte picks the parser; a
 * record that parses is formatted and parsed back, and must survive that. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        _cleanup_free_ char *text = NULL, *name = NULL, *version = NULL, *again = NULL;
        struct cr_image_manifest *m = NULL;
        struct cr_image_info *info = NULL, *back = NULL;

        if (size == 0 || size > 1 << 20)
                return 0;
        text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = 0;
        switch (data[0] % 3) {
        case 0:
                if (cr_image_manifest_parse(text, size - 1, &m, &e1) >= 0)
                        cr_image_manifest_free(m);
                break;
        case 1:
                if (cr_image_record_parse(text, size - 1, &info, &e1) < 0)
                        break;
                if (cr_image_record_format(info, &again, &e2) < 0 ||
                    cr_image_record_parse(again, strlen(again), &back, &e3) < 0)
                        abort(); /* what we read we must be able to write and read again */
                cr_image_info_free(back);
                cr_image_info_free(info);
                break;
        default:
                (void) cr_image_ref_parse(text, &name, &version, &e1);
        }
        return 0;
}
