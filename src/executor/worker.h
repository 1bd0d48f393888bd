/* SPDX-License-Identifier: MIT */
#pragma once

struct cr_executor_config;

/* One job, in its own process: read the request from `channel`, compile,
 * run, stream events back. Returns < 0 on failure (already reported). */
int cr_worker_main(int channel, const struct cr_executor_config *cfg);
