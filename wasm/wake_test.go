//go:build js && wasm

package wasm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/wasm"
)

// TestLimitFailureWakes: when a limit makes this side close the
// connection, a Read waiting for a message and a Write waiting on
// BufferedAmount return the limit's error at once. They must not wait for
// the browser's close event: a peer that never answers the close frame
// (here for 60 s, or an hour, against a 20 s bound on each call) decides
// when that comes. Before, both waited for it on the shim (Read and Write) and
// on the fallback (Read).
func TestLimitFailureWakes(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/silent?hold=60s", nil)
		ctx := ctxFor(t, 20*time.Second)
		readErr := make(chan error, 1)
		go func() {
			_, _, err := c.Read(ctx)
			readErr <- err
		}()
		require.Eventually(t, func() bool { return wasm.ReadWaiting(c) }, 10*time.Second, time.Millisecond, "the Read waits")
		wasm.FailQueueFull(c)
		assert.ErrorIs(t, <-readErr, wasm.ErrReceiveQueueFull, "the Read waiting")

		// Fill what the browser and TCP take until a Write waits a whole
		// second, so that the next one waits for good. /slow, not
		// /silent: a server that cuts TCP while writes are pending
		// crashes the page with WebSocketStream in Chromium 156.
		c = be.dial(t, "/slow?delay=1h", func(o *wasm.Options) { o.SendHighWater = 64 << 10 })
		msg := make([]byte, 1<<20)
		var err error
		for written := 0; err == nil && written < 1<<30; written += len(msg) {
			err = c.Write(ctxFor(t, time.Second), wasm.MessageBinary, msg)
		}
		require.ErrorIs(t, err, context.DeadlineExceeded, "a Write waits once the server has stopped reading")
		ctx = ctxFor(t, 20*time.Second)
		writeErr := make(chan error, 1)
		go func() { writeErr <- c.Write(ctx, wasm.MessageBinary, msg) }()
		require.Eventually(t, func() bool { return wasm.WriteWaiting(c) }, 10*time.Second, time.Millisecond,
			"a Write waits: the server reads nothing")
		wasm.FailQueueFull(c)
		assert.ErrorIs(t, <-writeErr, wasm.ErrReceiveQueueFull, "the Write waiting")
	})
}

// TestTooBigOnArrival: a server whose first message is over the read
// limit and comes in the same burst as the handshake's answer, and which
// then never answers the close frame (/stall, holding TCP for 60 s). Dial
// returns the Conn, ten times in a row, and Read returns ErrMessageTooBig
// within its bound, not the bound's error. Before, Dial waited for the
// browser's close event whenever the message broke the limit before Dial
// looked (the socket was CLOSING by then, no longer OPEN), and ended with
// "no handshake" for a socket that had opened; and Read waited for the
// close event whenever it was waiting when the message came.
func TestTooBigOnArrival(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for i := range 10 {
			c := be.dial(t, "/stall?ok=1&size=1000&send=0&hold=60s", func(o *wasm.Options) { o.ReadLimit = 2 })
			_, _, err := c.Read(ctxFor(t, 10*time.Second))
			require.ErrorIs(t, err, wasm.ErrMessageTooBig, "Read %d", i)
		}
	})
}
