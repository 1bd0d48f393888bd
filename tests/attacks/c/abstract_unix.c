/* SPDX-License-Identifier: MIT
 * attack: connect to an abstract unix socket the host listens on
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: listener
 */
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        const char *name = param("abstract");
        char line[512];
        FILE *f;
        int fd;

        snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "%s", name);
        trying("socket(AF_UNIX)");
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        verdict(connect(fd, (struct sockaddr *) &a, (socklen_t) (sizeof(sa_family_t) + 1 + strlen(name))) < 0,
                "connect to the host's abstract socket");
        f = fopen("/proc/net/unix", "r");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, name))
                        printf("BROKEN: /proc/net/unix lists the host's socket\n");
        printf("HELD: /proc/net/unix does not list the host's socket\n");
        return over();
}
