/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli/cli.h"

/* main() of the daemon binary. `coderunner serve` execs this program, so
 * the gRPC libraries (dozens of shared objects) are loaded by the daemon
 * only, never by the short-lived CLI commands whose start-up time is part
 * of every sandboxed run. */

int main(int argc, char **argv)
{
        return cmd_serve(argc, argv);
}
