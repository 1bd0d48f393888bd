/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "log.h"
#include "store/store.h"
#include "xalloc.h"

/* The daemon's job store, from its configuration. The password goes to
 * libpq as a value of its own and into no message (logs show host, port,
 * database and user only). */

char *cli_instance_id(const struct cr_config *cfg)
{
        char host[HOST_NAME_MAX + 1] = "localhost";

        if (cfg->instance_id && cfg->instance_id[0])
                return xstrdup(cfg->instance_id);
        if (gethostname(host, sizeof(host)) < 0)
                snprintf(host, sizeof(host), "localhost");
        host[HOST_NAME_MAX] = 0;
        return xasprintf("%s:%llu", host, (unsigned long long) cfg->grpc_port);
}

static int make_state_dir(const char *dir, struct cr_error **err)
{
        struct stat st;

        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "cannot create the state directory %s", dir);
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return cr_error_make(err, ENOTDIR, CR_ERROR_UNAVAILABLE, "%s is not a directory", dir);
        return 0;
}

int cli_store_options(const struct cr_config *cfg, struct cr_store_options *ret, char **ret_owned,
                      struct cr_error **err)
{
        static char port[8];
        int r;

        *ret = (struct cr_store_options) {};
        *ret_owned = NULL;
        if (cfg->db_host && cfg->db_host[0]) {
                snprintf(port, sizeof(port), "%llu", (unsigned long long) cfg->db_port);
                *ret = (struct cr_store_options) {
                        .backend = CR_STORE_POSTGRES,
                        .host = cfg->db_host,
                        .port = port,
                        .user = cfg->db_user,
                        .password = cfg->db_password,
                        .dbname = cfg->db_name,
                        .sslmode = cfg->db_sslmode,
                        .timezone = cfg->db_timezone,
                        .application_name = cfg->app_name,
                };
                return 0;
        }
        r = make_state_dir(cfg->state_dir, err);
        if (r < 0)
                return r;
        *ret_owned = xasprintf("%s/coderunner.db", cfg->state_dir);
        ret->backend = CR_STORE_SQLITE;
        ret->sqlite_path = *ret_owned;
        return 0;
}

void cli_store_describe(const struct cr_store_options *o)
{
        if (o->backend == CR_STORE_POSTGRES)
                log_info("Job store: PostgreSQL database %s on %s port %s as %s (sslmode %s)", o->dbname, o->host,
                         o->port, o->user, o->sslmode);
        else
                log_info("Job store: SQLite %s", o->sqlite_path);
}

int cli_serve_migrate(const struct cr_config *cfg)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_store_closep) struct cr_store *s = NULL;
        _cleanup_free_ char *owned = NULL;
        struct cr_store_options o;
        unsigned version = 0;
        int r;

        r = cli_store_options(cfg, &o, &owned, &err);
        if (r >= 0) {
                cli_store_describe(&o);
                r = cr_store_open(&o, &s, &err);
        }
        if (r >= 0)
                r = cr_store_migrate(s, &err);
        if (r >= 0) {
                printf("applied %d migration(s)\n", r);
                r = cr_store_schema_version(s, &version, &err);
        }
        if (r < 0) {
                log_error_err(err, "Migration failed");
                return 1;
        }
        printf("schema version %u\n", version);
        return 0;
}
