package reconnect_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// held dials /echo?id=...; once its first connection is cut (by the
// test's wstest.Kick), its redial waits for release, so that the test
// works on a Conn with no connection as long as it likes.
func held(t *testing.T, o *reconnect.Options) (c *reconnect.Conn, rec *recorder, id string, release func()) {
	t.Helper()
	id = wstest.ID(t)
	hold := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	var calls atomic.Int64
	if o == nil {
		o = &reconnect.Options{}
	}
	o.Endpoint = func(ctx context.Context) (string, *client.Options, error) {
		if calls.Add(1) > 1 {
			select {
			case <-hold:
			case <-ctx.Done():
				return "", nil, ctx.Err()
			}
		}
		return wstest.URL(t, "/echo?id="+id), nil, nil
	}
	c, rec = dial(t, "", o)
	return c, rec, id, release
}

// cut cuts c's connection and waits until its redial is under way.
func cut(t *testing.T, rec *recorder, id string) {
	t.Helper()
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	rec.wait(t, reconnect.Waiting)
	rec.wait(t, reconnect.Connecting)
}

// TestSend: every message given to Send is sent, queued or refused, and
// Send says which; Volatile is never queued; an Await message whose ctx
// ends is taken out of the queue and never sent.
func TestSend(t *testing.T) {
	t.Parallel()
	t.Run("connected", func(t *testing.T) {
		t.Parallel()
		c, _ := dial(t, "/echo", nil)
		ctx := ctxFor(t, 5*time.Second)
		for _, d := range []reconnect.Delivery{reconnect.Queue, reconnect.Volatile, reconnect.Await} {
			out, err := c.Send(ctx, client.MessageText, []byte("hi"), d)
			require.NoError(t, err)
			assert.Equal(t, reconnect.Sent, out, "delivery %d", d)
			_, p, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, "hi", string(p))
		}
		out, err := c.Send(ctx, client.MessageText, []byte{0xff}, reconnect.Queue)
		require.ErrorIs(t, err, client.ErrInvalidUTF8)
		assert.Equal(t, reconnect.Refused, out)
	})
	t.Run("disconnected", func(t *testing.T) {
		t.Parallel()
		c, rec, id, release := held(t, nil)
		cut(t, rec, id)
		ctx := ctxFor(t, 10*time.Second)

		out, err := c.Send(ctx, client.MessageText, []byte("stale"), reconnect.Volatile)
		require.ErrorIs(t, err, reconnect.ErrNotConnected)
		assert.Equal(t, reconnect.Refused, out, "volatile")

		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		out, err = c.Send(short, client.MessageText, []byte("too late"), reconnect.Await)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, reconnect.Refused, out, "await, ctx ended")
		assert.Contains(t, err.Error(), "taken out, unsent")

		out, err = c.Send(ctx, client.MessageText, []byte("kept"), reconnect.Queue)
		require.NoError(t, err)
		assert.Equal(t, reconnect.Queued, out)
		n, bytes := c.Queued()
		assert.Equal(t, 1, n, "queued messages")
		assert.Equal(t, int64(len("kept")), bytes, "queued bytes")

		awaited := make(chan reconnect.Outcome, 1)
		go func() {
			out, err := c.Send(ctx, client.MessageText, []byte("awaited"), reconnect.Await)
			assert.NoError(t, err)
			awaited <- out
		}()
		require.Eventually(t, func() bool { n, _ := c.Queued(); return n == 2 }, 5*time.Second, time.Millisecond)
		release()
		select {
		case out := <-awaited:
			assert.Equal(t, reconnect.Sent, out, "await")
		case <-ctx.Done():
			t.Fatal("Await did not return")
		}
		for _, want := range []string{"kept", "awaited"} {
			_, p, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, want, string(p))
		}
		echo(t, c, "last")
		n, _ = c.Queued()
		assert.Equal(t, 0, n)
		// Neither "stale" nor "too late" reached the server.
		assert.Equal(t, int64(3), wstest.Stats(t, id).MessagesReceived, "messages the server got")
	})
	t.Run("lost under a volatile write", func(t *testing.T) {
		// The server echoes one message and cuts TCP; the Conn, its
		// read-ahead full of that echo, does not read, so it learns of
		// the loss from a write: a Volatile one is refused then, not
		// queued.
		t.Parallel()
		c, rec := dial(t, "/drop?after=1", &reconnect.Options{ReadAhead: 1, Backoff: reconnect.Constant(time.Hour)})
		ctx := ctxFor(t, 10*time.Second)
		out, err := c.Send(ctx, client.MessageText, []byte("echoed"), reconnect.Volatile)
		require.NoError(t, err)
		require.Equal(t, reconnect.Sent, out)
		var outs []reconnect.Outcome
		require.Eventually(t, func() bool {
			out, err := c.Send(ctx, client.MessageText, []byte("x"), reconnect.Volatile)
			outs = append(outs, out)
			return out == reconnect.Refused && assert.ErrorIs(t, err, reconnect.ErrNotConnected)
		}, 5*time.Second, 5*time.Millisecond)
		assert.NotContains(t, outs, reconnect.Queued)
		n, _ := c.Queued()
		assert.Equal(t, 0, n, "nothing queued")
		rec.wait(t, reconnect.Waiting)
	})
}

// TestSendQueueControl: the queue bounded by count, emptied by
// DiscardQueue, and an awaited message's Send told when Close or
// DiscardQueue takes it out.
func TestSendQueueControl(t *testing.T) {
	t.Parallel()
	t.Run("count", func(t *testing.T) {
		t.Parallel()
		c, rec, id, release := held(t, &reconnect.Options{SendQueueCount: 3})
		cut(t, rec, id)
		ctx := ctxFor(t, 10*time.Second)
		for i := range 3 {
			out, err := c.Send(ctx, client.MessageBinary, []byte{byte(i)}, reconnect.Queue)
			require.NoError(t, err)
			assert.Equal(t, reconnect.Queued, out)
		}
		out, err := c.Send(ctx, client.MessageBinary, nil, reconnect.Queue)
		require.ErrorIs(t, err, reconnect.ErrSendQueueFull)
		assert.Equal(t, reconnect.Refused, out)
		assert.Contains(t, err.Error(), "3 messages, Options.SendQueueCount")
		release()
		for i := range 3 {
			_, p, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, []byte{byte(i)}, p)
		}
	})
	t.Run("DiscardQueue", func(t *testing.T) {
		t.Parallel()
		c, rec, id, release := held(t, nil)
		cut(t, rec, id)
		ctx := ctxFor(t, 10*time.Second)
		require.NoError(t, c.Write(ctx, client.MessageText, []byte("dropped")))
		awaited := make(chan error, 1)
		go func() {
			out, err := c.Send(ctx, client.MessageText, []byte("dropped too"), reconnect.Await)
			assert.Equal(t, reconnect.Refused, out)
			awaited <- err
		}()
		require.Eventually(t, func() bool { n, _ := c.Queued(); return n == 2 }, 5*time.Second, time.Millisecond)
		assert.Equal(t, 2, c.DiscardQueue())
		require.ErrorIs(t, <-awaited, reconnect.ErrUnsent)
		n, bytes := c.Queued()
		assert.Equal(t, 0, n)
		assert.Equal(t, int64(0), bytes)
		release()
		echo(t, c, "only this")
		assert.Equal(t, int64(1), wstest.Stats(t, id).MessagesReceived, "messages the server got")
	})
	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		c, rec, id, _ := held(t, nil)
		cut(t, rec, id)
		awaited := make(chan error, 1)
		go func() {
			_, err := c.Send(context.Background(), client.MessageText, []byte("never"), reconnect.Await)
			awaited <- err
		}()
		require.Eventually(t, func() bool { n, _ := c.Queued(); return n == 1 }, 5*time.Second, time.Millisecond)
		err := c.Close(client.StatusNormalClosure, "")
		require.ErrorIs(t, err, reconnect.ErrUnsent)
		err = <-awaited
		require.ErrorIs(t, err, reconnect.ErrUnsent)
		require.ErrorIs(t, err, net.ErrClosed)
	})
}
