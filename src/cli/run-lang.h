/* SPDX-License-Identifier: MIT */
#pragma once

/* `coderunner run --lang NAME[@VERSION] --file SOURCE`: compile once (when the
 * runtime compiles), then run, each in its own sandbox. */

struct run_opts;
struct run_input;

/* Returns the exit status of `coderunner run`. */
int run_lang(struct run_opts *o, const struct run_input *input);
