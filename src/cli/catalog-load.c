/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "image/image.h"
#include "lang/catalog.h"
#include "xalloc.h"

/* The catalogue as every front end sees it: the runtime definitions of the
 * data directory, one entry per image version installed in the store, and
 * the operator's defaults. This is where the image store meets the
 * catalogue (lang/ knows nothing of the store). */

int cli_runtime_defaults(char **ret, struct cr_error **err)
{
        struct cr_config *cfg = NULL;
        int r;

        r = cr_config_load(NULL, NULL, cli_env_lookup, NULL, &cfg, err);
        if (r < 0)
                return r;
        *ret = xstrdup(cfg->runtime_defaults);
        cr_config_free(cfg);
        return 0;
}

int cli_catalog_load(struct cr_image_store *store, const char *defaults, struct cr_catalog **ret,
                     struct cr_error **err)
{
        _cleanup_free_ char *dir = cli_data_path("rootfs/runtimes", "runtimes");
        _cleanup_free_ struct cr_catalog_image *installed = NULL;
        struct cr_image_info **infos = NULL;
        struct cr_catalog *c = NULL;
        size_t n = 0;
        int r;

        r = cr_catalog_load_dir(dir, &c, err);
        if (r >= 0 && store)
                r = cr_image_list(store, &infos, &n, err);
        if (r >= 0) {
                installed = xzalloc((n + 1) * sizeof(*installed));
                for (size_t i = 0; i < n; i++)
                        installed[i] = (struct cr_catalog_image){infos[i]->name, infos[i]->version,
                                                                 infos[i]->suite};
                r = cr_catalog_install(c, installed, n, defaults, err);
        }
        cr_image_info_list_free(infos, n);
        if (r < 0) {
                cr_catalog_free(c);
                return r;
        }
        *ret = c;
        return 0;
}
