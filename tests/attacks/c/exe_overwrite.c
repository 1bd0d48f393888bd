/* SPDX-License-Identifier: MIT
 * attack: overwrite /proc/self/exe, the compiled program and the runtime's libraries
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: image
 */
int main(void)
{
        static const char *const targets[] = {
                "/proc/self/exe", "/box/main", "/usr/bin/gcc", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2", "/bin/sh",
        };
        for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
                char what[128];
                int fd = open(targets[i], O_WRONLY);
                snprintf(what, sizeof(what), "open %s for writing", targets[i]);
                verdict(fd < 0, what);
                trying("truncate");
                snprintf(what, sizeof(what), "truncate %s", targets[i]);
                verdict(truncate(targets[i], 0) < 0, what);
        }
        verdict(rename("/usr/bin/gcc", "/usr/bin/gcc.old") < 0, "rename the compiler");
        verdict(unlink("/box/main") < 0, "unlink the compiled program");
        return over();
}
