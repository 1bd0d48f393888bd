// A syscall no Go program needs: the go profile kills it.
package main

import (
	"fmt"
	"syscall"
)

func main() {
	fmt.Println("calling chroot")
	_ = syscall.Chroot("/")
	fmt.Println("still alive")
}
