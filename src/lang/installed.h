/* SPDX-License-Identifier: MIT */
#pragma once

/* The runtimes this server can run: the catalogue joined with the image
 * store. Each runtime's image is resolved and pinned once, at start-up, by
 * the daemon (validating requests) and by coderunner-executor (running
 * them), which compare cr_installed_fingerprint() so that both serve the
 * same table. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_error;
struct cr_catalog;
struct cr_image_store;
struct cr_runtime;
struct cr_installed;

/* Never fails for a missing image: that runtime stays unavailable and a
 * request for it says so. */
int cr_installed_new(const struct cr_catalog *catalog, struct cr_image_store *store, struct cr_installed **ret,
                     struct cr_error **err);
struct cr_installed *cr_installed_free(struct cr_installed *in);

/* ref: "python", "py", "python@3.11.2"; NULL or "" means C++ (the original's
 * default). CR_ERROR_INVALID for an unknown runtime or a version that is not
 * installed (the message names the known runtimes or the installed versions),
 * CR_ERROR_UNAVAILABLE when its image is not
 * installed. ret_rootfs may be NULL. */
int cr_installed_find(const struct cr_installed *in, const char *ref, const struct cr_runtime **ret,
                      const char **ret_rootfs, struct cr_error **err);
const struct cr_catalog *cr_installed_catalog(const struct cr_installed *in);
/* How many runtimes have an image. */
size_t cr_installed_count(const struct cr_installed *in);
/* A fingerprint of what a job resolves in the table: each runtime's id,
 * version, default flag, seccomp profile and image rootfs. Two processes
 * that built their tables apart (the daemon and coderunner-executor)
 * compare it to know they serve the same runtimes. */
uint64_t cr_installed_fingerprint(const struct cr_installed *in);
/* Whether this catalogue entry (one version of a runtime) has an image. */
bool cr_installed_has(const struct cr_installed *in, const struct cr_runtime *rt);
