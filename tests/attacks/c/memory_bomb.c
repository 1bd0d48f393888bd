/* SPDX-License-Identifier: MIT
 * attack: allocate and touch memory without end
 * expect: MEMORY_LIMIT
 * expect-default: MEMORY_LIMIT
 * limits: --memory-limit 64M
 */
int main(void)
{
        for (size_t total = 0;; total += 1 << 20) {
                char *p = (char *) malloc(1 << 20);
                if (!p) {
                        printf("malloc failed at %zu MiB without the cgroup killing us\n", total >> 20);
                        return 1;
                }
                memset(p, 1, 1 << 20);
        }
}
