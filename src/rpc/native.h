/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the two files of coderunner.v1.CodeRunner: the synchronous
 * methods (native-service.c) and the asynchronous ones (native-async.c).
 * Internal to rpc/. */

#include <stdbool.h>

#include "coderunner/v1/coderunner.pb-c.h"

struct cr_error;
struct cr_rpc_call;
struct cr_rpc_server;
struct cr_evaluator;
struct cr_evaluation;
struct cr_execution;
struct cr_catalog;
struct rpc_pool;

#define NATIVE_SERVICE "/coderunner.v1.CodeRunner/"

struct native {
        struct cr_evaluator *evaluator;    /* not owned */
        const struct cr_catalog *catalog;  /* not owned */
};

/* An evaluation for an ExecuteRequest: validated, its runtime found, its
 * description filled (pointing into req). */
int native_prepare(struct native *n, struct cr_rpc_call *call, const Coderunner__V1__ExecuteRequest *req, bool stream,
                   struct cr_evaluation **ret, struct cr_error **err);
/* Execute's response for a judged record; allocated in pl. */
Coderunner__V1__ExecuteResponse *native_result(struct rpc_pool *pl, const struct cr_execution *x);
/* Submit, Get, Cancel, Watch. */
int native_add_async(struct cr_rpc_server *srv, struct native *n, struct cr_error **err);
