/* SPDX-License-Identifier: MIT
 * attack: detach a grandchild (double fork) that lives on after the program exits
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        pid_t pid = fork();

        if (pid == 0) {
                if (fork() == 0) {
                        signal(SIGHUP, SIG_IGN);
                        signal(SIGTERM, SIG_IGN);
                        close(0);
                        close(1);
                        close(2);
                        for (;;)
                                sleep(1);
                }
                _exit(0);
        }
        waitpid(pid, NULL, 0);
        puts("the grandchild runs on; the host checks it is gone");
        return over();
}
