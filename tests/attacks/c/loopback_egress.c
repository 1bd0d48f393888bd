/* SPDX-License-Identifier: MIT
 * attack: connect to a listener the host runs on loopback, and to addresses beyond
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: listener
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void attempt(int family, const char *addr, int port)
{
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
        struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
        char what[128];
        int fd = socket(family, SOCK_STREAM, 0), r;

        if (family == AF_INET) {
                inet_pton(AF_INET, addr, &a4.sin_addr);
                r = connect(fd, (struct sockaddr *) &a4, sizeof(a4));
        } else {
                inet_pton(AF_INET6, addr, &a6.sin6_addr);
                r = connect(fd, (struct sockaddr *) &a6, sizeof(a6));
        }
        snprintf(what, sizeof(what), "connect to %s port %d", addr, port);
        verdict(r < 0, what);
        close(fd);
}

int main(void)
{
        int port = (int) strtol(param("port"), NULL, 10);

        trying("socket(AF_INET)");
        attempt(AF_INET, "127.0.0.1", port);
        attempt(AF_INET6, "::1", port);
        attempt(AF_INET, "169.254.169.254", 80);
        attempt(AF_INET, "10.0.2.2", port);
        attempt(AF_INET, "8.8.8.8", 53);
        return over();
}
