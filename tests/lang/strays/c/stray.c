/* A syscall no C program needs: the c profile kills it (SECCOMP_VIOLATION). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
        puts("calling chroot");
        fflush(stdout);
        syscall(SYS_chroot, "/");
        puts("still alive");
        return 0;
}
