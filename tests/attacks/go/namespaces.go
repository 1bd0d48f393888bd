// SPDX-License-Identifier: MIT
// attack: a user namespace, mounts and a chroot through Go's syscall package
// expect: SECCOMP_VIOLATION
// expect-default: OK
package main

import (
	"fmt"
	"syscall"
)

func verdict(err error, what string) {
	if err != nil {
		fmt.Printf("HELD: %s (%v)\n", what, err)
	} else {
		fmt.Printf("BROKEN: %s\n", what)
	}
}

func main() {
	fmt.Println("trying: unshare")
	verdict(syscall.Unshare(syscall.CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
	verdict(syscall.Unshare(syscall.CLONE_NEWNS|syscall.CLONE_NEWNET), "unshare(CLONE_NEWNS|CLONE_NEWNET)")
	fmt.Println("trying: mount")
	verdict(syscall.Mount("none", "/tmp", "tmpfs", 0, ""), "mount a tmpfs")
	fmt.Println("trying: chroot")
	verdict(syscall.Chroot("/tmp"), "chroot /tmp")
	fmt.Println("attack over")
}
