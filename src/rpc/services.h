/* SPDX-License-Identifier: MIT */
#pragma once

/* The application services on top of the generic server: each translates
 * protobuf to the job layer's structs and back. */

struct cr_error;
struct cr_rpc_server;
struct cr_evaluator;

int cr_rpc_add_solution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err);
