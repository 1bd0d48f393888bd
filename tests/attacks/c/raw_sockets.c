/* SPDX-License-Identifier: MIT
 * attack: raw IP and packet sockets (sniffing, spoofing)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(void)
{
        trying("socket");
        verdict(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0, "raw ICMP socket");
        verdict(socket(AF_INET, SOCK_RAW, IPPROTO_RAW) < 0, "raw IP socket");
        verdict(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) < 0, "raw IPv6 socket");
        verdict(socket(AF_PACKET, SOCK_RAW, htons(0x0003 /* ETH_P_ALL */)) < 0, "packet socket");
        verdict(socket(AF_PACKET, SOCK_DGRAM, htons(0x0800)) < 0, "packet datagram socket");
        return over();
}
