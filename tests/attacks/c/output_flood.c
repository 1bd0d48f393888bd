/* SPDX-License-Identifier: MIT
 * attack: flood stdout and stderr without end
 * expect: OUTPUT_LIMIT
 * expect-default: OUTPUT_LIMIT
 * limits: --output-limit 65536
 */
int main(void)
{
        static char line[4096];

        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\n';
        for (;;) {
                if (write(1, line, sizeof(line)) < 0 && errno != EINTR)
                        return 1;
                if (write(2, line, sizeof(line)) < 0 && errno != EINTR)
                        return 1;
        }
}
