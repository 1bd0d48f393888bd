/* SPDX-License-Identifier: MIT
 * attack: thread bomb: threads until the kernel refuses
 * expect: OK
 * expect-default: OK
 * limits: --pids-limit 64
 */
#include <pthread.h>

static void *park(void *arg)
{
        (void) arg;
        for (;;)
                sleep(1000);
        return NULL;
}

int main(void)
{
        pthread_attr_t attr;
        pthread_t t;
        int n = 0, r = 0;

        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 65536);
        while (n < 100000 && (r = pthread_create(&t, &attr, park, NULL)) == 0)
                n++;
        errno = r;
        printf("started %d threads\n", n);
        verdict(n < 100, "threads without end (the pids limit stops them)");
        return over();
}
