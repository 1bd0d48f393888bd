/* SPDX-License-Identifier: MIT
 * attack: TIOCSTI: push keystrokes into a terminal, open the controlling tty and the console
 * expect: OK
 * expect-default: OK
 */
#include <sys/ioctl.h>

int main(void)
{
        static const char *const ttys[] = { "/dev/tty", "/dev/console", "/dev/ptmx", "/dev/tty0", "/dev/pts/0" };
        char c = 'x';

        for (int fd = 0; fd < 3; fd++)
                verdict(ioctl(fd, TIOCSTI, &c) < 0, "TIOCSTI on a standard descriptor");
        for (size_t i = 0; i < sizeof(ttys) / sizeof(*ttys); i++)
                verdict(open(ttys[i], O_RDWR) < 0, ttys[i]);
        return over();
}
