// Package leakcheck fails a test binary whose tests leave goroutines
// running. It works natively and under GOOS=js, where the runtime keeps
// goroutines of its own: only goroutines that did not exist before the
// tests ran count.
//
//	func TestMain(m *testing.M) {
//		leakcheck.Main(m)
//	}
package leakcheck

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Grace is how long Main waits for goroutines to end after the tests.
const Grace = 5 * time.Second

// benign names goroutines that are started once per process, on first use
// of a standard library feature, and never end.
var benign = []string{
	"os/signal.signal_recv",
	"os/signal.loop",
	"testing.(*M).startAlarm",
	"testing.runFuzzing",
	"runtime.ensureSigM",
	"runtime.handleEvent", // js/wasm: the goroutine that runs JS callbacks
}

// Main runs the tests and then fails the binary if goroutines started
// during the tests are still running after [Grace]. It prints their
// stacks. It does not return.
func Main(m *testing.M) {
	before := Now()
	code := m.Run()
	if code == 0 {
		if leaked := Wait(before, Grace); leaked != "" {
			fmt.Fprintf(os.Stderr, "leakcheck: goroutines still running %v after the tests:\n\n%s\n", Grace, leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Snapshot is the set of goroutine IDs running at one moment.
type Snapshot map[int]bool

// Now returns the IDs of the goroutines running now, to pass to [Wait].
func Now() Snapshot {
	s := Snapshot{}
	for _, g := range stacks() {
		s[g.id] = true
	}
	return s
}

// Wait waits up to grace for every goroutine that is not in before (and
// not benign) to end. It returns their stacks if some are still running,
// or "" if none are.
func Wait(before Snapshot, grace time.Duration) string {
	deadline := time.Now().Add(grace)
	for {
		var leaked []string
		for _, g := range stacks() {
			if !before[g.id] && !g.benign() {
				leaked = append(leaked, g.stack)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type goroutine struct {
	id    int
	stack string
}

func (g goroutine) benign() bool {
	for _, b := range benign {
		if strings.Contains(g.stack, b) {
			return true
		}
	}
	return false
}

// stacks returns every goroutine but the caller's.
func stacks() []goroutine {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for i, block := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 {
			continue // the caller
		}
		var id int
		if f := bytes.Fields(block); len(f) >= 2 && string(f[0]) == "goroutine" {
			id, _ = strconv.Atoi(string(f[1]))
		}
		out = append(out, goroutine{id: id, stack: string(block)})
	}
	return out
}
