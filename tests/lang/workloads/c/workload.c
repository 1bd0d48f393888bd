/* What a typical solution does beyond hello world: threads, a scratch file in
 * /tmp, clocks and sleeps, randomness, sorting, a big allocation, stdin to
 * the end, a few hundred lines of output. Recorded for the seccomp profiles
 * (scripts/seccomp-record.py) and run by the language tier under them. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void *work(void *arg)
{
        long s = 0;
        for (long i = 0; i < 1000000; i++)
                s += i % 7;
        *(long *) arg = s;
        return NULL;
}

static int cmp(const void *a, const void *b)
{
        return (*(const int *) a > *(const int *) b) - (*(const int *) a < *(const int *) b);
}

int main(void)
{
        pthread_t t[4];
        long r[4], back = 0;
        char line[256];
        int lines = 0, n = 100000, *xs = malloc(n * sizeof(int));
        unsigned seed;
        struct timespec ts, nap = {0, 1000000};
        FILE *f;
        char *big;

        for (int i = 0; i < 4; i++)
                pthread_create(&t[i], NULL, work, &r[i]);
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        f = fopen("/tmp/workload.txt", "w");
        fprintf(f, "%ld\n", r[0]);
        fclose(f);
        f = fopen("/tmp/workload.txt", "r");
        if (fscanf(f, "%ld", &back) != 1 || back != r[0])
                return 1;
        fclose(f);
        remove("/tmp/workload.txt");
        clock_gettime(CLOCK_MONOTONIC, &ts);
        nanosleep(&nap, NULL);
        if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
                return 2;
        srand(seed ^ (unsigned) time(NULL));
        for (int i = 0; i < n; i++)
                xs[i] = rand();
        qsort(xs, n, sizeof(int), cmp);
        big = malloc(64 << 20);
        memset(big, 1, 64 << 20);
        free(big);
        while (fgets(line, sizeof(line), stdin))
                lines++;
        for (int i = 0; i < 300; i++)
                printf("line %d %.3f\n", i, sqrt((double) i));
        printf("stdin lines %d\nworkload ok\n", lines);
        free(xs);
        return 0;
}
