/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli/cli.h"

/* main() of the executor's program: the daemon's keeper execs it
 * (src/cli/executor-cmd.c). It links only what the executor runs, so its
 * forks copy a few dozen mappings, not the daemon's ~360. */

int main(int argc, char **argv)
{
        return cmd_executor(argc, argv);
}
