// Goroutines, a scratch file in /tmp, clocks, randomness, sorting, big
// numbers, a big allocation, stdin to the end, some output (see workload.c).
package main

import (
	"bufio"
	crand "crypto/rand"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	r := make([]int, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := 0; k < 1000000; k++ {
				r[i] += k % 7
			}
		}(i)
	}
	wg.Wait()
	if err := os.WriteFile("/tmp/workload.txt", []byte(fmt.Sprint(r[0])), 0o600); err != nil {
		os.Exit(1)
	}
	if b, err := os.ReadFile("/tmp/workload.txt"); err != nil || string(b) != fmt.Sprint(r[0]) {
		os.Exit(1)
	}
	os.Remove("/tmp/workload.txt")
	_ = time.Now()
	time.Sleep(time.Millisecond)
	seed := make([]byte, 8)
	crand.Read(seed)
	rng := rand.New(rand.NewSource(int64(seed[0]) + time.Now().UnixNano()))
	xs := make([]int, 100000)
	for i := range xs {
		xs[i] = rng.Int()
	}
	sort.Ints(xs)
	f := big.NewInt(1)
	for i := int64(1); i <= 100; i++ {
		f.Mul(f, big.NewInt(i))
	}
	bigbuf := make([]byte, 64<<20)
	for i := range bigbuf {
		bigbuf[i] = 1
	}
	data, _ := io.ReadAll(os.Stdin)
	lines := 0
	for _, c := range data {
		if c == '\n' {
			lines++
		}
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; i < 300; i++ {
		fmt.Fprintf(w, "line %d %.3f\n", i, math.Sqrt(float64(i)))
	}
	fmt.Fprintf(w, "stdin lines %d\nworkload ok\n", lines)
	w.Flush()
}
