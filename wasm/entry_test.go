//go:build js && wasm

package wasm_test

import (
	"bytes"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/wasm"
)

// TestReceivePath: the shim finds this page's Go instance by itself
// (wasmbrowsertest keeps it in a local variable of an async function) and
// enters Go through the export; where it cannot (a page without Go's own
// wasm_exec.js class), it falls back to the js.Func, and messages still
// flow. Every behaviour test checks the path of its backend too
// (backend.dial); this one pins what the export path relies on in
// wasm_exec.js, loudly.
func TestReceivePath(t *testing.T) {
	c := dialPath(t)
	require.Equal(t, "export", c.ReceivePath(), "the shim finds the page's Go instance: wasm_exec.js's Go class keeps it as this of _makeFuncWrapper, and the export duplex_wasm_enter and the memory mem are there")
	echoOne(t, c, 100)

	// A page whose Go class is not where the shim looks.
	g := js.Global().Get("Go")
	js.Global().Set("Go", js.Undefined())
	wasm.ResetShim()
	t.Cleanup(func() {
		js.Global().Set("Go", g)
		wasm.ResetShim()
	})
	c = dialPath(t)
	assert.Equal(t, "func", c.ReceivePath(), "without Go's class")
	echoOne(t, c, 100)
	echoOne(t, c, 200<<10)
}

func dialPath(t *testing.T) *wasm.Conn {
	t.Helper()
	c, err := wasm.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo"), &wasm.Options{ReadLimit: 1 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func echoOne(t *testing.T, c *wasm.Conn, size int) {
	t.Helper()
	p := pattern(size, byte(size))
	write(t, c, wasm.MessageBinary, p)
	_, got := read(t, c)
	require.True(t, bytes.Equal(p, got), "a message of %d bytes back: %d bytes", size, len(got))
}

// TestExportGuard: if the exported function ever blocked (a mistake in
// this package), the shim notices that the call returned before it
// completed, says so, and enters Go through the js.Funcs from then on;
// the blocked call delivers its message when it resumes and ends without
// returning into the export that is gone. Nothing is lost, and Go's
// runtime goes on (the connection keeps working, the goroutine and
// js.Func checks pass), instead of trapping later on a corrupted stack.
func TestExportGuard(t *testing.T) {
	wasm.ResetShim()
	t.Cleanup(wasm.ResetShim) // the shim's broken state is per page: build a new one
	c := dialPath(t)
	require.Equal(t, "export", c.ReceivePath())

	release := make(chan struct{})
	blocked := make(chan struct{}, 1)
	wasm.SetEnterHook(func() {
		select {
		case blocked <- struct{}{}:
			<-release // the first call blocks
		default:
		}
	})
	t.Cleanup(func() { wasm.SetEnterHook(nil) })

	got := make(chan []byte, 1)
	go func() {
		_, p, err := c.Read(ctxFor(t, 20*time.Second))
		if err != nil {
			t.Errorf("read: %v", err)
		}
		got <- p
	}()
	require.Eventually(t, func() bool { return wasm.ReadWaiting(c) }, 10*time.Second, time.Millisecond, "the Read waits")
	write(t, c, wasm.MessageBinary, []byte("first"))
	require.Eventually(t, func() bool { return strings.HasPrefix(c.ReceivePath(), "func: ") }, 10*time.Second, time.Millisecond,
		"the shim noticed the call that did not complete")
	assert.Contains(t, c.ReceivePath(), "did not complete")
	select {
	case <-got:
		t.Fatal("the Read returned while the call that delivers its message was blocked")
	default:
	}
	close(release)
	assert.Equal(t, "first", string(<-got), "the blocked call delivered its message")

	// Go goes on, through the js.Func.
	for i := range 20 {
		echoOne(t, c, 10+i*1000)
	}
	require.NoError(t, c.CloseContext(ctxFor(t, 5*time.Second), 1000, ""))
}

// TestMemoryGrows: the shim writes a message straight into the buffer of
// a waiting Read, in Go's memory; when the memory has grown meanwhile
// (its old ArrayBuffer is detached), the shim's view of it must be taken
// again.
func TestMemoryGrows(t *testing.T) {
	c := dialPath(t)
	require.Equal(t, "export", c.ReceivePath())
	echoOne(t, c, 100) // the shim has a view of Go's memory
	memBytes := goMemoryBytes(t)

	got := make(chan []byte, 1)
	go func() {
		_, p, err := c.Read(ctxFor(t, 10*time.Second))
		if err != nil {
			t.Errorf("read: %v", err)
		}
		got <- p
	}()
	require.Eventually(t, func() bool { return wasm.ReadWaiting(c) }, 10*time.Second, time.Millisecond, "the Read waits")
	grow := make([]byte, 64<<20)
	grow[len(grow)-1] = 1
	require.Greater(t, goMemoryBytes(t), memBytes, "Go's memory grew")
	p := pattern(1000, 7)
	write(t, c, wasm.MessageBinary, p)
	assert.Equal(t, p, <-got)
	assert.Equal(t, byte(1), grow[len(grow)-1])
	assert.Equal(t, "export", c.ReceivePath(), "still on the export path")
}

// goMemoryBytes returns the size of the page's Go memory, found as the
// shim finds it.
func goMemoryBytes(t *testing.T) int {
	get := catchGo.Invoke()
	js.FuncOf(func(js.Value, []js.Value) any { return nil }).Release()
	inst := get.Invoke()
	require.Equal(t, js.TypeObject, inst.Type(), "the Go instance")
	return inst.Get("_inst").Get("exports").Get("mem").Get("buffer").Get("byteLength").Int()
}

// catchGo catches the Go instance in the next call of _makeFuncWrapper
// and returns a function that returns it.
var catchGo = jsFunc(`function() {
  const p = Go.prototype, orig = p._makeFuncWrapper;
  let inst;
  p._makeFuncWrapper = function(id) { inst = this; p._makeFuncWrapper = orig; return orig.call(this, id); };
  return () => inst;
}`)

// TestNudge: while messages arrive for a Conn whose program does not
// read (here, it sleeps), the shim enters Go now and then, so that Go
// runs the timers that are due and sets the next from that event: a
// timer set from a timer's callback, as Go's sleeps are when nothing else
// enters Go, waits 4 ms or more in browsers (BenchmarkSlowReader
// measures it). At most once a millisecond: never a call per message.
func TestNudge(t *testing.T) {
	id := wstest.ID(t)
	c, err := wasm.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/flood?n=0&size=1024&id="+id), &wasm.Options{ReceiveQueueLimit: 256 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	require.Equal(t, "export", c.ReceivePath())

	// Nothing else enters Go through the export meanwhile: no Read waits.
	before, start := wasm.Entries(), time.Now()
	sent0 := wstest.Stats(t, id).MessagesSent
	for range 50 {
		time.Sleep(time.Millisecond)
	}
	nudges, elapsed := wasm.Entries()-before, time.Since(start)
	sent := wstest.Stats(t, id).MessagesSent - sent0
	t.Logf("%d nudges in %v, %d messages sent meanwhile", nudges, elapsed, sent)
	assert.Greater(t, nudges, 0, "messages arrived while nothing read: the shim entered Go")
	// (+2: the shim and Go read the page's clock apart, which moves in
	// steps of 100 µs where the page is not cross-origin isolated.)
	assert.LessOrEqual(t, nudges, int(elapsed/time.Millisecond)+2, "at most one a millisecond")
	assert.Less(t, int64(nudges), sent, "fewer than one per message")
}

// TestRegistryEmpties: the export path finds a Conn by its id; every way a
// Conn ends gives the id back, so that no ended Conn stays reachable.
func TestRegistryEmpties(t *testing.T) {
	before := wasm.Registered()
	ctx := ctxFor(t, 20*time.Second)
	for i := range 30 {
		path := "/echo"
		if i%3 == 2 {
			path = "/close?code=4001&reason=bye"
		}
		c, err := wasm.Dial(ctx, wstest.URL(t, path), nil)
		require.NoError(t, err)
		require.Equal(t, before+1, wasm.Registered(), "dial %d", i)
		switch i % 3 {
		case 0:
			require.NoError(t, c.CloseContext(ctx, 1000, ""))
		case 1:
			require.NoError(t, c.CloseNow())
		case 2: // the server closes; the program never calls Close
			_, _, err := c.Read(ctx)
			require.ErrorIs(t, err, wasm.ErrClosed)
		}
		require.Eventually(t, func() bool { return wasm.Registered() == before }, 5*time.Second, time.Millisecond, "after close %d", i)
	}
	// A Dial that fails.
	_, err := wasm.Dial(ctx, wstest.URL(t, "/reject?status=403"), nil)
	require.Error(t, err)
	assert.Equal(t, before, wasm.Registered(), "after a failed dial")
}
