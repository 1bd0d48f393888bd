// SPDX-License-Identifier: MIT
// attack: dial the host's loopback listener and abstract unix socket from Go's net package
// expect: SECCOMP_VIOLATION
// expect-default: OK
// host: listener
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	p := map[string]string{}
	s := bufio.NewScanner(os.Stdin)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			p[k] = v
		}
	}
	fmt.Println("trying: dial")
	for _, t := range [][2]string{{"tcp", "127.0.0.1:" + p["port"]}, {"tcp", "[::1]:" + p["port"]},
		{"unix", "@" + p["abstract"]}} {
		c, err := net.DialTimeout(t[0], t[1], 2*time.Second)
		if err != nil {
			fmt.Printf("HELD: dial %s (%v)\n", t[1], err)
		} else {
			fmt.Printf("BROKEN: dial %s\n", t[1])
			c.Close()
		}
	}
	fmt.Println("attack over")
}
