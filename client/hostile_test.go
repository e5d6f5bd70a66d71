package client_test

// Servers that misbehave on purpose (the harness's hostile scenarios):
// whatever they do, every Read, Write, Close and CloseNow returns within
// its ctx or its documented bound, natively and in the browser. Where the
// two platforms differ, the difference is a documented limit, named by a
// constant in hostile_notjs_test.go and hostile_js_test.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// hang is how long a call may take before a test calls it hung: far
// above any bound the calls promise, so it never measures speed.
const hang = 20 * time.Second

// returns runs fn and fails the test if it has not returned after hang.
func returns[T any](t *testing.T, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(hang):
		t.Fatalf("%s did not return in %v", what, hang)
		panic("unreachable")
	}
}

// readErr reads once with a ctx of d and returns the error.
func readErr(t *testing.T, c *client.Conn, d time.Duration) error {
	t.Helper()
	return returns(t, "Read", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		_, p, err := c.Read(ctx)
		if err == nil {
			return fmt.Errorf("read a message of %d bytes", len(p))
		}
		return err
	})
}

// closedSeen waits until the harness has seen every connection tagged id
// closed.
func closedSeen(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for s := wstest.Stats(t, id); s.Handshakes == 0 || s.Open != 0; s = wstest.Stats(t, id) {
		if time.Now().After(deadline) {
			t.Fatalf("the harness still has %s open", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHostileStall: a server that stops in the middle of a message (a
// frame announced and never sent, or sent in part, or a fragmented
// message that never ends), with TCP open. Reads return at their ctx,
// again and again, and the connection stays as it was; CloseNow returns
// at once, ends a Read that waits, and the server sees TCP closed.
func TestHostileStall(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, query string }{
		{"announced, nothing sent", "size=1000&send=0"},
		{"mid-frame", "size=1000&send=10"},
		{"mid-frame, text", "size=1000&send=10&type=text"},
		{"between frames", "frag=1&send=10"},
		{"after messages", "ok=3&size=100000&send=5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c := dial(t, "/stall?id="+id+"&"+tt.query, &client.Options{ReadLimit: 1 << 20})
			ctx := ctxFor(t, hang)
			if tt.name == "after messages" {
				for i := 1; i <= 3; i++ {
					_, p, err := c.Read(ctx)
					require.NoError(t, err)
					assert.Equal(t, fmt.Sprint("ok", i), string(p), "message %d", i)
				}
			}
			for i := range 3 {
				require.ErrorIs(t, readErr(t, c, 100*time.Millisecond), context.DeadlineExceeded, "read %d", i)
			}

			// A Read that waits for good, ended by CloseNow.
			read := make(chan error, 1)
			go func() {
				_, _, err := c.Read(context.Background())
				read <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it wait (if it does not yet, it fails at once below)
			require.NoError(t, returns(t, "CloseNow", c.CloseNow))
			err := returns(t, "the waiting Read", func() error { return <-read })
			require.ErrorIs(t, err, net.ErrClosed)
			if closeNowCutsTCP {
				closedSeen(t, id)
			} else {
				assert.Equal(t, int(client.StatusNormalClosure), wstest.CloseSeen(t, id).ClientCloseCode, "the close code the server got")
			}
		})
	}
}

// TestHostileStallClose: Close against a server that never answers the
// close frame returns at Options.CloseTimeout, and the server got the
// frame.
func TestHostileStallClose(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/stall?id="+id+"&size=1000&send=10", &client.Options{CloseTimeout: 300 * time.Millisecond})
	require.ErrorIs(t, readErr(t, c, 50*time.Millisecond), context.DeadlineExceeded)
	err := returns(t, "Close", func() error { return c.Close(client.StatusNormalClosure, "bye") })
	if closeTimeoutIsError {
		require.ErrorIs(t, err, context.DeadlineExceeded, "Close's error")
	}
	s := wstest.CloseSeen(t, id)
	assert.Equal(t, int(client.StatusNormalClosure), s.ClientCloseCode, "the close code the server got")
	assert.Equal(t, "bye", s.ClientCloseReason, "the close reason the server got")
	if closeNowCutsTCP {
		closedSeen(t, id)
	}
	require.ErrorIs(t, readErr(t, c, time.Second), net.ErrClosed, "Read after Close")
}

// TestHostileHugeFrame: a frame that announces a terabyte. Natively the
// header alone fails the connection (over the read limit, with 4009);
// browsers show a page nothing of a message before it is whole, but
// Chrome refuses such a frame itself (1006).
func TestHostileHugeFrame(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/stall?id="+id+"&size=1099511627776&send=4000", nil)
	err := readErr(t, c, hang/2)
	if !announcedSizeSeen {
		require.ErrorIs(t, err, net.ErrClosed)
		return
	}
	require.ErrorIs(t, err, client.ErrMessageTooBig)
	require.ErrorIs(t, err, net.ErrClosed)
	assert.Contains(t, err.Error(), "1099511627776")
	assert.Equal(t, 4009, wstest.CloseSeen(t, id).ClientCloseCode, "the close code the server got")
	closedSeen(t, id)
	onePrefix(t, err)
	err = readErr(t, c, time.Second)
	require.ErrorIs(t, err, client.ErrMessageTooBig, "a second Read")
	onePrefix(t, err)
	err = c.Write(ctxFor(t, time.Second), client.MessageText, []byte("x"))
	require.ErrorIs(t, err, net.ErrClosed, "a Write")
	require.ErrorIs(t, err, client.ErrMessageTooBig, "a Write")
	onePrefix(t, err)
}

// TestHostileBadFrames: a frame that breaks RFC 6455 fails the
// connection as browsers fail it: Read returns a *CloseError with 1006
// (not clean) after the messages before it, never the frame as a message.
func TestHostileBadFrames(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{
		"rsv", "rsv1", "opcode", "ctlopcode", "fragctl", "bigctl", "closecode", "closecode999",
		"closeutf8", "closeshort", "afterclose", "masked", "continuation", "newmsg", "badutf8",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c := dial(t, "/bad?id="+id+"&ok=2&frame="+kind, nil)
			ctx := ctxFor(t, hang)
			var err error
			for i := range 2 {
				var p []byte
				if _, p, err = c.Read(ctx); err != nil {
					require.False(t, messagesBeforeFaultKept, "message %d: %v", i, err)
					break
				}
				require.Equal(t, "ok", string(p), "message %d", i)
			}
			if err == nil {
				err = readErr(t, c, hang/2)
			}
			ce, ok := errors.AsType[*client.CloseError](err)
			require.True(t, ok, "want a *CloseError, got %v", err)
			require.ErrorIs(t, err, net.ErrClosed)
			switch {
			case kind == "afterclose" && closeBeforeLateData:
				assert.Equal(t, client.StatusNormalClosure, ce.Code, "%v", err)
				assert.Equal(t, "bye", ce.Reason)
			default:
				assert.Equal(t, client.StatusAbnormalClosure, ce.Code, "%v", err)
				assert.False(t, ce.WasClean, "%v", err)
			}
			onePrefix(t, err)
			err = readErr(t, c, time.Second)
			require.ErrorIs(t, err, net.ErrClosed, "a second Read")
			onePrefix(t, err)
			err = c.Write(ctxFor(t, time.Second), client.MessageText, []byte("x"))
			require.ErrorIs(t, err, net.ErrClosed, "a Write")
			onePrefix(t, err)
			if closeNowCutsTCP {
				closedSeen(t, id)
			}
			if serverSeesProtocolError && kind != "afterclose" {
				assert.Equal(t, int(client.StatusProtocolError), wstest.CloseSeen(t, id).ClientCloseCode, "the close code the server got")
			}
		})
	}
}

// TestHostileGarbage: random bytes where frames should be. Every Read
// returns (a message, if the bytes happen to make one, or an error), and
// the connection can always be closed.
func TestHostileGarbage(t *testing.T) {
	t.Parallel()
	for seed := range 8 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			c := dial(t, fmt.Sprintf("/garbage?seed=%d&n=4096", seed), &client.Options{ReadLimit: 1 << 16})
			for range 20 {
				err := returns(t, "Read", func() error {
					ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					defer cancel()
					_, _, err := c.Read(ctx)
					return err
				})
				if err != nil {
					break
				}
			}
			returns(t, "CloseNow", c.CloseNow)
		})
	}
}

// TestHostileReset: a server that accepts and resets TCP at once. The
// dial fails, or the first Read returns a *CloseError with 1006.
func TestHostileReset(t *testing.T) {
	t.Parallel()
	c, err := client.Dial(ctxFor(t, hang), wstest.URL(t, "/drop?after=0&how=rst"), nil)
	if err != nil {
		_, ok := errors.AsType[*client.DialError](err)
		require.True(t, ok, "want a *DialError, got %v", err)
		return
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	err = readErr(t, c, hang/2)
	assert.Equal(t, client.StatusAbnormalClosure, client.CloseStatus(err), "%v", err)
	require.ErrorIs(t, err, net.ErrClosed)
}

// TestHostileHandshake: a server that never answers the handshake; Dial
// returns at its ctx, and at Options.HandshakeTimeout.
func TestHostileHandshake(t *testing.T) {
	t.Parallel()
	err := returns(t, "Dial", func() error {
		_, err := client.Dial(ctxFor(t, 300*time.Millisecond), wstest.URL(t, "/hang?hold=30s"), nil)
		return err
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	err = returns(t, "Dial", func() error {
		_, err := client.Dial(context.Background(), wstest.URL(t, "/hang?hold=30s"), &client.Options{HandshakeTimeout: 300 * time.Millisecond})
		return err
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestHostileSilentWrite: a server that never reads. Writes fill what
// the network and the browser hold and then wait; each returns at its
// ctx, and Close returns at its timeout.
func TestHostileSilentWrite(t *testing.T) {
	t.Parallel()
	c := dial(t, "/silent", &client.Options{CloseTimeout: 300 * time.Millisecond, SendHighWater: 1 << 20})
	p := make([]byte, 1<<20)
	var err error
	for i := 0; i < 256 && err == nil; i++ {
		err = returns(t, "Write", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			return c.Write(ctx, client.MessageBinary, p)
		})
	}
	require.ErrorIs(t, err, context.DeadlineExceeded, "a Write waits, until its ctx ends")
	returns(t, "Close", func() error { return c.Close(client.StatusNormalClosure, "") })
}

// TestHostileReaderStall: a message that stalls while a Reader's body is
// read. Natively Reader returns at the header and the body waits for
// bytes; Close and CloseNow end that wait. Browsers deliver messages
// whole, so there Reader waits on its ctx.
func TestHostileReaderStall(t *testing.T) {
	t.Parallel()
	for _, closeNow := range []bool{false, true} {
		t.Run(fmt.Sprint("closeNow=", closeNow), func(t *testing.T) {
			t.Parallel()
			c := dial(t, "/stall?size=1000&send=10", &client.Options{CloseTimeout: 300 * time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			_, r, err := c.Reader(ctx)
			if !readerStreams {
				require.ErrorIs(t, err, context.DeadlineExceeded)
				return
			}
			require.NoError(t, err)
			body := make(chan error, 1)
			go func() {
				_, err := io.ReadAll(r)
				body <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it wait (if it does not yet, it fails at once below)
			if closeNow {
				require.NoError(t, returns(t, "CloseNow", c.CloseNow))
			} else {
				returns(t, "Close", func() error { return c.Close(client.StatusNormalClosure, "") })
			}
			require.ErrorIs(t, returns(t, "the body's Read", func() error { return <-body }), net.ErrClosed)
		})
	}
}

// TestReadLimitMax: the largest read limit there is works like any other.
func TestReadLimitMax(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", &client.Options{ReadLimit: math.MaxInt64})
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("hi")))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(p))
}
