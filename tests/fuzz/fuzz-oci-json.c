/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"

/* The Docker/OCI metadata parsers. The first input byte picks one (docker
 * save's manifest.json, index.json, an image manifest, an image config),
 * the rest is its JSON. Whatever they accept must hold only what the
 * importer relies on: blob paths relative and free of "..", digests 64
 * lowercase hex digits, counts within their bounds. Violations abort. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blob(const struct cr_oci_blob *b)
{
        char norm[4096];

        if (!b->path || cr_image_path_normalize(b->path, norm, sizeof(norm)) <= 0 ||
            strcmp(norm, b->path) != 0)
                abort();
        if (b->digest && !cr_image_sha256_hex_valid(b->digest))
                abort();
}

static void check_image(const struct cr_oci_image *img)
{
        check_blob(&img->config);
        if (img->n_layers > CR_OCI_MAX_LAYERS)
                abort();
        for (size_t i = 0; i < img->n_layers; i++)
                check_blob(&img->layers[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(cr_oci_image_freep) struct cr_oci_image *img = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_oci_blob pick = {};
        const char *json = (const char *)data + 1;
        char **ids = NULL;
        size_t n = 0;

        if (size < 1)
                return 0;
        switch (data[0] % 4) {
        case 0:
                if (cr_oci_docker_manifest_parse(json, size - 1, &img, &err) >= 0)
                        check_image(img);
                break;
        case 1:
                if (cr_oci_index_pick(json, size - 1, &pick, &err) >= 0) {
                        check_blob(&pick);
                        free(pick.path), free(pick.digest), free(pick.media_type);
                }
                break;
        case 2:
                if (cr_oci_manifest_parse(json, size - 1, &img, &err) >= 0)
                        check_image(img);
                break;
        default:
                if (cr_oci_config_parse(json, size - 1, &ids, &n, &err) >= 0) {
                        for (size_t i = 0; i < n; i++)
                                if (!ids[i] || !cr_image_sha256_hex_valid(ids[i]))
                                        abort();
                        cr_oci_strv_free(ids);
                }
                break;
        }
        return 0;
}
