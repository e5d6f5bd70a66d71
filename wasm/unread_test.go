//go:build js && wasm

package wasm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/wasm"
)

// unreadOpts are the options of a Conn that is left with messages it has
// not read: the read limit fits them, and with WebSocketStream the receive
// queue holds one, so that the stream holds the next back and stops
// reading from the network. The classic socket keeps them all.
func unreadOpts(size int64) func(o *wasm.Options) {
	return func(o *wasm.Options) {
		o.ReadLimit = size
		if o.Transport == wasm.TransportStream {
			o.ReceiveQueueLimit = size
		}
	}
}

// waitUnread waits until c has received messages it has not read: with
// WebSocketStream, until it holds one back.
func waitUnread(t *testing.T, be backend, c *wasm.Conn) {
	t.Helper()
	require.Eventually(t, func() bool {
		if be.opts.Transport == wasm.TransportStream {
			return wasm.Held(c)
		}
		return wasm.QueuedBytes(c) > 0
	}, 10*time.Second, time.Millisecond, "messages wait unread")
}

// TestCloseWithUnread: Close while messages the program has not read wait
// finishes the closing handshake cleanly, at once. Before, WebSocketStream
// holding a message back never read on: the server's answer to the close
// waited behind the data it had sent, and Close returned its ctx's error
// (20 s here), not clean.
func TestCloseWithUnread(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		const n, size = 32, 64 << 10 // 2 MiB: more than the browser reads ahead
		id := wstest.ID(t)
		c := be.dial(t, "/echo?id="+id, unreadOpts(size))
		for i := range n {
			write(t, c, wasm.MessageBinary, pattern(size, byte(i)))
		}
		waitUnread(t, be, c)
		require.NoError(t, c.CloseContext(ctxFor(t, 20*time.Second), 1000, "bye"), "Close: clean")
		assert.Equal(t, 1000, wstest.CloseSeen(t, id).ClientCloseCode, "what the server got")
	})
}

// TestPeerClosedWithUnread: once the server has closed, while messages
// it sent wait unread, writes fail and Close reports that the connection
// had ended, with the server's close in the chain, as they do once
// everything has been read; Read still returns the messages first.
// Before, WebSocketStream holding a message back reported OPEN: three
// Writes returned nil (the stream dropped them), and Close returned
// success as if this side had closed.
func TestPeerClosedWithUnread(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		const size = 1024
		c := be.dial(t, "/flood?n=20&size=1024", unreadOpts(size))
		waitUnread(t, be, c)
		// The classic socket has ended, its messages in the queue;
		// WebSocketStream is CLOSING until the stream is read to its end.
		want := wasm.Closed
		if be.opts.Transport == wasm.TransportStream {
			want = wasm.Closing
		}
		require.Eventually(t, func() bool { return c.ReadyState() == want }, 10*time.Second, time.Millisecond,
			"the server's close is seen: %v, want %v", c.ReadyState(), want)
		ctx := ctxFor(t, 10*time.Second)
		peer := func(err error, what string) {
			t.Helper()
			var ce *wasm.CloseError
			require.ErrorAs(t, err, &ce, what)
			assert.Equal(t, wasm.CloseError{Code: 1000, Reason: "flood: done", WasClean: true}, *ce, what)
			assert.ErrorIs(t, err, wasm.ErrClosed, what)
		}
		for i := range 3 {
			peer(c.Write(ctx, wasm.MessageText, []byte("after the server's close")), fmt.Sprintf("Write %d", i))
		}
		_, p := read(t, c)
		assert.Len(t, p, size, "a message sent before the close")
		err := c.CloseContext(ctx, 1000, "bye")
		peer(err, "Close")
		assert.EqualError(t, err, "wasm: close: closed with 1000: flood: done", "Close")
	})
}
