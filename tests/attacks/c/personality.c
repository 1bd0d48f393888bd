/* SPDX-License-Identifier: MIT
 * attack: personality(2): READ_IMPLIES_EXEC, no address randomisation, a 2.6 kernel version (the plain 32-bit personality is allowed: it changes only uname)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/personality.h>

int main(void)
{
        trying("personality");
        verdict(personality(READ_IMPLIES_EXEC) < 0, "personality(READ_IMPLIES_EXEC)");
        verdict(personality(ADDR_NO_RANDOMIZE) < 0, "personality(ADDR_NO_RANDOMIZE)");
        verdict(personality(PER_LINUX32 | ADDR_NO_RANDOMIZE) < 0, "personality(PER_LINUX32 | ADDR_NO_RANDOMIZE)");
        verdict(personality(UNAME26) < 0, "personality(UNAME26)");
        return over();
}
