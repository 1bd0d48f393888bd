/* SPDX-License-Identifier: MIT
 * attack: a child that ignores every catchable signal and outlives its parent
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        if (fork() == 0) {
                for (int s = 1; s < 32; s++)
                        signal(s, SIG_IGN);
                for (;;)
                        sleep(1);
        }
        puts("the child outlives us; the host checks it is gone");
        return over();
}
