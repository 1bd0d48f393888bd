/* SPDX-License-Identifier: MIT
 * attack: fork bomb: children that fork until the kernel refuses
 * expect: OK
 * expect-default: OK
 * limits: --pids-limit 64
 */
int main(void)
{
        int n = 0;

        for (;;) {
                pid_t pid = fork();
                if (pid == 0) {
                        for (;;)
                                sleep(1000);
                        _exit(0);
                }
                if (pid < 0)
                        break;
                n++;
                if (n > 100000)
                        break;
        }
        printf("forked %d\n", n);
        verdict(n < 100, "fork without end (the pids limit stops it)");
        return over();
}
