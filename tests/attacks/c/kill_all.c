/* SPDX-License-Identifier: MIT
 * attack: kill(-1, SIGKILL): every process the program may signal
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: sleeper
 */
int main(void)
{
        pid_t child = fork();
        int status = 0;

        if (child == 0) {
                for (;;)
                        sleep(1000);
        }
        trying("kill(-1)");
        /* the caller itself is spared; in the sandbox's pid namespace the rest
         * is its own child and the sandbox's init, which ignores it */
        kill(-1, SIGKILL);
        waitpid(child, &status, 0);
        printf("HELD: kill(-1) reached only the sandbox (child %s)\n",
               WIFSIGNALED(status) ? "killed" : "survived");
        return over();
}
