package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	var n int
	fmt.Fscan(in, &n)
	xs := make([]int, n)
	s := 0
	for i := range xs {
		fmt.Fscan(in, &xs[i])
		s += xs[i]
	}
	sort.Ints(xs)
	f := big.NewInt(1)
	for i := int64(1); i <= 100; i++ {
		f.Mul(f, big.NewInt(i))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
	_, _ = json.Marshal(xs)
	_ = http.StatusOK
	_ = strings.TrimSpace
	fmt.Printf("sum=%d big=%s ok\n", s, f.String())
}
