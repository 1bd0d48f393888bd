/* SPDX-License-Identifier: MIT */
#pragma once

/* Libraries loaded on first use (systemd's dlfcn-util.h): a library only a
 * few commands need is not relocated at every process start. Each user
 * declares `__typeof__(fn) *sym_fn` pointers from the library's own header,
 * so a prototype mismatch does not compile, and lists them for
 * cr_dlopen_many(). */

#include <stddef.h>

struct cr_error;

struct cr_dlsym {
        void **ptr;          /* where the address goes (function pointers through void **, as dlsym(3) says) */
        const char *name;
};

#define CR_DLSYM_PROTOTYPE(symbol) extern __typeof__(symbol) *sym_##symbol
#define CR_DLSYM_FUNCTION(symbol) __typeof__(symbol) *sym_##symbol = NULL
#define CR_DLSYM_ARG(symbol) { (void **) &sym_##symbol, #symbol }

/* dlopen(soname, RTLD_NOW | RTLD_NODELETE) and every symbol of syms[]: a
 * missing symbol fails here, not in the middle of the work, and the library
 * stays mapped for the life of the process, as the pointers do. On failure
 * every pointer is NULL again and err (CR_ERROR_UNAVAILABLE) says what
 * dlerror() said. ret_dl (optional) gets the handle. Not thread-safe. */
int cr_dlopen_many(const char *soname, const struct cr_dlsym *syms, size_t n, void **ret_dl,
                   struct cr_error **err);
