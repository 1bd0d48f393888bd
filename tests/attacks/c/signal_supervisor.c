/* SPDX-License-Identifier: MIT
 * attack: signal the supervisor, the sandbox's init and a host process by its host pid
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: sleeper
 */
int main(void)
{
        pid_t host = (pid_t) strtol(param("host_pid"), NULL, 10);

        printf("parent pid %d\n", (int) getppid());
        trying("kill");
        verdict(kill(host, SIGKILL) < 0, "SIGKILL a host process by its host pid");
        kill(getppid(), SIGKILL);
        kill(1, SIGKILL);
        usleep(200000);
        printf("HELD: the sandbox's init and the supervisor ignore our signals\n");
        return over();
}
