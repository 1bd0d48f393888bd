/* SPDX-License-Identifier: MIT
 * attack: physical and kernel memory through /dev/mem, /dev/kmem, /dev/port, /proc/kcore
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        static const char *const paths[] = { "/dev/mem", "/dev/kmem", "/dev/port", "/proc/kcore" };

        for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
                verdict(open(paths[i], O_RDONLY) < 0, paths[i]);
        return over();
}
