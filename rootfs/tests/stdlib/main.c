#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *p) { return p; }

int main(void) {
    int n, s = 0, x;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; i++) { scanf("%d", &x); s += x; }
    pthread_t t; pthread_create(&t, NULL, work, NULL); pthread_join(t, NULL);
    /* 100! in base 10 with a digit array */
    int d[200] = {1}, len = 1;
    for (int k = 2; k <= 100; k++) {
        int carry = 0;
        for (int i = 0; i < len; i++) { int v = d[i] * k + carry; d[i] = v % 10; carry = v / 10; }
        while (carry) { d[len++] = carry % 10; carry /= 10; }
    }
    printf("sum=%d big=", (int)lround(sqrt((double)s * s)));
    for (int i = len - 1; i >= 0; i--) putchar('0' + d[i]);
    printf(" ok\n");
    return 0;
}
