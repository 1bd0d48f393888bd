/* SPDX-License-Identifier: MIT */
#pragma once

/* The application services on top of the generic server: each translates
 * protobuf to the job layer's structs and back. */

struct cr_error;
struct cr_rpc_server;
struct cr_evaluator;
struct cr_catalog;

int cr_rpc_add_solution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err);
int cr_rpc_add_execution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err);
int cr_rpc_add_native_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator,
                              const struct cr_catalog *catalog, struct cr_error **err);
