// A syscall no C++ program needs: the cpp profile kills it.
#include <iostream>
#include <unistd.h>
int main() {
    std::cout << "calling chroot" << std::endl;
    (void) chroot("/");
    std::cout << "still alive" << std::endl;
}
