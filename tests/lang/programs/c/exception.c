#include <stdio.h>
#include <stdlib.h>
int main(void) { fprintf(stderr, "fatal: something broke\n"); abort(); }
