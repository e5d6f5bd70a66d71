//go:build js && wasm

package wasm

import (
	"runtime"
)

// How the shim enters Go.
//
// Calling a js.Func from JavaScript costs far more than a call the other
// way: syscall/js makes eight calls back into JavaScript per call, and the
// first entry after the page sat idle costs about 100 µs. A function
// marked //go:wasmexport costs a few µs. So where the shim can reach the
// page's Go instance (shim.js: catch, attach), it enters Go through
// exportEnter, and writes received messages straight into the buffer a
// waiting Read registered (shim.go: fill), so that the Read finds them in
// its own memory. Where it cannot (a page whose wasm_exec.js is not Go's
// own), it calls the Conn's wake js.Func, and Read copies the messages
// out of the shim's buffer: the path before the export existed.
//
// exportEnter runs on whatever goroutine Go paused on, and must never
// block: an export that blocks while nothing else can run lets the
// runtime pause inside it, and returning into it later corrupts the
// runtime. So it only stores and signals (Conn.enter: non-blocking
// channel sends, a close). Then, when Go was idle (the shim called it
// from an event), it yields to the goroutine it woke, the Read
// (runtime.Gosched), and ends its own goroutine (runtime.Goexit) instead
// of returning: the export returns to JavaScript when Go, with nothing
// left to run, pauses as it always does, having scheduled its timers.
// (Returning earlier would leave goroutines made runnable meanwhile, and
// timers set meanwhile, waiting for the next event.) That is one
// goroutine switch between a message's arrival and Read returning it.
// When the shim calls it from inside a call Go made into the shim
// (inShim > 0: a fill, release, setLimits or close that synchronously
// wakes a Read), it returns: the woken goroutine runs once the caller
// blocks.
//
// The guard: exportEnter counts the calls it completes in entryBox.done,
// and the shim compares that with the calls it made whenever a call
// returns. A body that blocked returns early, through the runtime's
// pause; the shim then says so on the console, enters Go through the
// js.Funcs from then on, and the blocked body, when it resumes, still
// ends with Goexit: it never returns into the export that is gone. (A
// call from inside a call into the shim returns normally, and has no
// such guard: the body must not block there either, and it is the same
// code.)

// entryBox holds the arguments of a call of exportEnter, written by the
// shim (an export with parameters keeps a frame the runtime's pause would
// leave behind, so it takes none), and the calls it completed.
var entryBox struct {
	id   int32 // the Conn's index in conns
	bits int32 // as for notify
	n    int32 // bytes the shim packed into the Read's buffer, 0 if none
	done uint32
}

// conns are the Conns on the export path, by the id the shim knows them
// by; nil where a Conn has ended.
var conns []*Conn

// inShim counts the calls into the shim in progress that may wake a Read
// at once (shim.go), so that exportEnter knows whether Go was idle.
var inShim int

// enterHook, set by tests, runs at the start of exportEnter: a test makes
// it block to prove the guard.
var enterHook func()

// exportEnter is called by the shim, never by Go.
//
//lint:ignore U1000 JavaScript calls it (go:wasmexport).
//go:wasmexport duplex_wasm_enter
func exportEnter() {
	idle := inShim == 0
	id, bits, n := entryBox.id, int(entryBox.bits), int(entryBox.n)
	if enterHook != nil {
		enterHook()
	}
	if uint(id) < uint(len(conns)) && conns[id] != nil {
		conns[id].enter(bits, n)
	}
	entryBox.done++
	if idle {
		// The woken goroutine first (Gosched is cheaper than Goexit's
		// unwinding), then end this one.
		runtime.Gosched()
		runtime.Goexit()
	}
}

// enter is how exportEnter reaches a Conn: n bytes of messages wait in
// c.rbuf, then notify.
func (c *Conn) enter(bits, n int) {
	if n > 0 {
		c.arrived = n
	}
	c.notify(bits)
}

// register gives c an id on the export path.
func register(c *Conn) int {
	for i, x := range conns {
		if x == nil {
			conns[i] = c
			return i
		}
	}
	conns = append(conns, c)
	return len(conns) - 1
}

// ReceivePath reports how received messages reach c, for a program that
// wants to know: "export" when the package's JavaScript enters Go through
// an exported function and writes messages straight into Go's memory (the
// fast path), "func" when it enters through a js.Func and Read copies the
// messages out (where it cannot find the page's Go instance: wasm_exec.js
// is not Go's own), "go" for EnableCSPFallback's Go-only path. After the
// export failed (a bug of this package), it says "func" and why.
func (c *Conn) ReceivePath() string {
	b, ok := c.b.(*shimSock)
	switch {
	case !ok:
		return "go"
	case !b.mem:
		return "func"
	}
	if b.s.Call("broken").Bool() {
		return "func: a call of the export did not complete"
	}
	return "export"
}
