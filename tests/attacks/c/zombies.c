/* SPDX-License-Identifier: MIT
 * attack: leave hundreds of zombies behind and exit
 * expect: OK
 * expect-default: OK
 * limits: --pids-limit 512
 */
int main(void)
{
        int n = 0;

        for (int i = 0; i < 300; i++) {
                pid_t pid = fork();
                if (pid == 0)
                        _exit(0);
                if (pid > 0)
                        n++;
        }
        printf("left %d zombies; the host checks they are gone\n", n);
        return over();
}
