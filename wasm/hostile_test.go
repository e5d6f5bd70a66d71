//go:build js && wasm

package wasm_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/wasm"
)

// The hostile peers of the harness (its doc: "Hostile peers") against
// every backend: each wait of a Conn is bounded by its ctx or by a bound
// the peer cannot move, whatever the server does.

// cancelled is a ctx that has already ended: Close with it is CloseNow.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestStalledMessage: a server that announces a frame and sends only part
// of it, or begins a fragmented message and stops, then goes silent with
// TCP open. The browser keeps what came and delivers nothing: Read returns
// ctx.Err() and the connection stays usable (writes reach the server, the
// next Read waits again), Close gives up within its bound when the server
// never answers the close frame, and Close with a ctx already ended
// returns at once.
func TestStalledMessage(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for _, query := range []string{
			"size=1000&send=10",
			"size=100000&send=100", // the 64-bit length form
			"size=2147483647&send=10",
			"frag=1&send=10",
			"size=20&send=20&type=text&frag=1",
		} {
			id := wstest.ID(t)
			c := be.dial(t, "/stall?ok=2&id="+id+"&"+query, func(o *wasm.Options) {
				o.CloseTimeout = 200 * time.Millisecond
			})
			for i := range 2 {
				_, p, err := c.Read(ctxFor(t, 10*time.Second))
				require.NoError(t, err, "%s: message %d before the stall", query, i)
				assert.Equal(t, "ok"+string(rune('1'+i)), string(p), "%s: message %d before the stall", query, i)
			}
			for i := range 2 {
				_, _, err := c.Read(ctxFor(t, 100*time.Millisecond))
				require.ErrorIs(t, err, context.DeadlineExceeded, "%s: Read %d in the stall", query, i)
			}
			assert.Equal(t, wasm.Open, c.ReadyState(), "%s: still open", query)
			write(t, c, wasm.MessageText, []byte("still here"))
			require.Eventually(t, func() bool { return wstest.Stats(t, id).MessagesReceived == 1 },
				5*time.Second, 5*time.Millisecond, "%s: a write reaches the server", query)

			// A Read waiting when Close is called returns, as does Close:
			// the server never answers its close frame.
			readErr := make(chan error, 1)
			go func() {
				_, _, err := c.Read(context.Background())
				readErr <- err
			}()
			err := c.CloseContext(context.Background(), 1000, "bye")
			require.ErrorIs(t, err, context.DeadlineExceeded, "%s: Close gives up after CloseTimeout", query)
			require.ErrorIs(t, <-readErr, wasm.ErrClosed, "%s: the Read waiting", query)
			_, _, err = c.Read(context.Background())
			require.ErrorIs(t, err, wasm.ErrClosed, "%s: Read after Close", query)

			c = be.dial(t, "/stall?"+query, nil)
			_, _, err = c.Read(ctxFor(t, 50*time.Millisecond))
			require.ErrorIs(t, err, context.DeadlineExceeded, "%s: Read in the stall", query)
			err = c.CloseContext(cancelled(), 1000, "")
			require.ErrorIs(t, err, context.Canceled, "%s: Close with an ended ctx returns at once", query)
			require.ErrorIs(t, c.Write(ctxFor(t, time.Second), wasm.MessageText, []byte("x")), wasm.ErrClosed, "%s: Write after", query)
		}

		// A frame of 2^32 bytes or more: Chromium fails the connection as
		// soon as it reads the header, and drops the messages that came
		// in the same read, undelivered.
		c := be.dial(t, "/stall?ok=2&size=4294967296&send=10", nil)
		got, err := readToEnd(t, c)
		assert.LessOrEqual(t, len(got), 2, "messages before the huge frame")
		var ce *wasm.CloseError
		require.ErrorAs(t, err, &ce, "a 4 GiB frame")
		assert.Equal(t, wasm.CloseError{Code: 1006}, *ce, "a 4 GiB frame")
	}, "classic", "classic-blob", "stream", "fallback")
}

// readToEnd reads until an error, each Read bounded, and returns the
// messages and the error.
func readToEnd(t *testing.T, c *wasm.Conn) ([]string, error) {
	var got []string
	for {
		_, p, err := c.Read(ctxFor(t, 10*time.Second))
		if err != nil {
			return got, err
		}
		got = append(got, string(p))
	}
}

// TestInvalidFrames: a server that sends an invalid frame after a valid
// message. The browser fails the connection: Read returns the message
// (Chromium drops it when the bad frame came in the same read and is a
// control frame), then a *CloseError 1006, not clean, as natively, and
// every later call returns at once with ErrClosed. A close code no peer
// may send is one of these (Chromium reports it as sent, and clean: Read
// says 1006, not clean, instead).
func TestInvalidFrames(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for _, kind := range []string{
			"rsv", "rsv1", "opcode", "ctlopcode", "fragctl", "bigctl", "closecode", "closecode999",
			"closeutf8", "closeshort", "afterclose", "masked", "continuation", "newmsg", "badutf8",
		} {
			c := be.dial(t, "/bad?ok=1&frame="+kind, nil)
			got, err := readToEnd(t, c)
			if kind == "fragctl" || kind == "bigctl" {
				assert.LessOrEqual(t, len(got), 1, "%s: the message before", kind)
			} else {
				assert.Equal(t, []string{"ok"}, got, "%s: the message before", kind)
			}
			var ce *wasm.CloseError
			require.ErrorAs(t, err, &ce, "%s: Read after the bad frame", kind)
			assert.Equal(t, wasm.CloseError{Code: 1006}, *ce, "%s: how it ended", kind)
			_, _, err = c.Read(ctxFor(t, time.Second))
			require.ErrorIs(t, err, wasm.ErrClosed, "%s: Read again", kind)
			require.ErrorIs(t, c.Write(ctxFor(t, time.Second), wasm.MessageText, []byte("x")), wasm.ErrClosed, "%s: Write", kind)
			err = c.CloseContext(ctxFor(t, time.Second), 1000, "")
			require.ErrorIs(t, err, wasm.ErrClosed, "%s: Close", kind)
		}
	}, "classic", "stream", "fallback")
}

// TestGarbage: random bytes where frames should be end the connection
// (1006, not clean), or, if they happen to leave a frame unfinished, stall
// it: each Read returns within its ctx either way.
func TestGarbage(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for seed := 1; seed <= 8; seed++ {
			c := be.dial(t, "/garbage?n=4096&seed="+strconv.Itoa(seed), nil)
			var got int
			var err error
			for err == nil {
				_, _, err = c.Read(ctxFor(t, 2*time.Second))
				got++
			}
			if errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			var ce *wasm.CloseError
			require.ErrorAs(t, err, &ce, "seed %d, after %d messages", seed, got-1)
			assert.Equal(t, wasm.CloseError{Code: 1006}, *ce, "seed %d", seed)
		}
	}, "classic", "stream", "fallback")
}

// TestSilentPeer: a server that completes the handshake and then neither
// sends, reads nor answers: Read waits for its ctx only, Close for its
// bound, and Close with an ended ctx not at all.
func TestSilentPeer(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/silent", nil)
		_, _, err := c.Read(ctxFor(t, 100*time.Millisecond))
		require.ErrorIs(t, err, context.DeadlineExceeded, "Read")
		write(t, c, wasm.MessageBinary, pattern(1000, 1))
		err = c.CloseContext(cancelled(), 1000, "")
		require.ErrorIs(t, err, context.Canceled, "Close with an ended ctx")
		err = c.CloseContext(ctxFor(t, time.Second), 1000, "")
		require.ErrorIs(t, err, wasm.ErrClosed, "Close again")
	}, "classic", "stream", "fallback")
}
