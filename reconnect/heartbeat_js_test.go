//go:build js && wasm

package reconnect_test

import (
	"context"
	"sync/atomic"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// jsFunc evaluates src, a JavaScript function expression.
func jsFunc(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

// throttleTimers makes every setTimeout of the page fire as Chrome fires
// a hidden tab's: not before the next multiple of align milliseconds of
// the page's clock (Chrome aligns them to whole seconds, and after five
// minutes hidden to whole minutes). Go's runtime schedules its timers
// with setTimeout, so every timer of the program is throttled; events
// (a WebSocket's messages) are not, as in Chrome. It returns the undo.
func throttleTimers(t *testing.T, align int) func() {
	t.Helper()
	orig := js.Global().Get("setTimeout")
	js.Global().Set("setTimeout", jsFunc(`function (orig, align) {
		return function (fn, ms, ...args) {
			const now = performance.now();
			const due = Math.ceil((now + (ms || 0)) / align) * align;
			return orig(fn, due - now, ...args);
		};
	}`).Invoke(orig, align))
	undo := func() { js.Global().Set("setTimeout", orig) }
	t.Cleanup(undo)
	return undo
}

// TestHeartbeatHiddenTab: with the page's timers throttled as in a
// hidden tab (to whole seconds, ten times the heartbeat's Timeout), a
// server that answers every ping is never taken for dead: the pings go
// out late, and the answers, which are events, still come in time. A
// dead one still is, late. Not parallel: it throttles the whole page.
func TestHeartbeatHiddenTab(t *testing.T) {
	id := wstest.ID(t)
	var pongs atomic.Int64
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{
		Heartbeat: pingPong(50*time.Millisecond, 100*time.Millisecond, &pongs),
	})
	throttleTimers(t, 1000)
	start := time.Now()
	for pongs.Load() < 4 {
		_, _, err := c.Read(ctxFor(t, 3*time.Second)) // ends on a throttled timer too
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	t.Logf("4 pongs in %v", time.Since(start))
	assert.NotContains(t, rec.states(), reconnect.Waiting, "no false timeout")
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
	last, smoothed := c.RTT()
	assert.Positive(t, last)
	assert.Positive(t, smoothed)

	// A silent server is found dead all the same, the timers late.
	_, rec = dial(t, "/silent", &reconnect.Options{Heartbeat: pingPong(50*time.Millisecond, 100*time.Millisecond, &pongs)})
	e := rec.wait(t, reconnect.Waiting)
	require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
}

// TestHeartbeatFrozenPage: the page is frozen (its event loop blocked:
// a long task, as a page that is stopped and resumed) right after each
// ping goes out, for longer than the heartbeat's Timeout; the server's
// answer arrives meanwhile and waits, as an event, beside the overdue
// timer. The answer must be seen: the connection is not dead.
func TestHeartbeatFrozenPage(t *testing.T) {
	id := wstest.ID(t)
	var pongs atomic.Int64
	freeze := jsFunc(`function (ms) {
		setTimeout(() => { const end = performance.now() + ms; while (performance.now() < end) {} }, 0);
	}`)
	hb := pingPong(30*time.Millisecond, 60*time.Millisecond, &pongs)
	ping := hb.Ping
	hb.Ping = func() (client.MessageType, []byte) {
		freeze.Invoke(200) // after this callback: the ping goes out first
		return ping()
	}
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Heartbeat: hb})
	for pongs.Load() < 8 {
		_, _, err := c.Read(ctxFor(t, 100*time.Millisecond))
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	assert.NotContains(t, rec.states(), reconnect.Waiting, "no false timeout")
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
}
