package netconn_test

// This file has no build tag: the same tests run natively and in headless
// Chrome.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/client/netconn"
	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial opens path on the harness and closes it when the test ends.
func dial(t *testing.T, path string) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), nil)
	require.NoError(t, err, "dial %s", path)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

func TestNetConn(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo")
	ctx := ctxFor(t, 60*time.Second)
	nc := netconn.New(ctx, c, client.MessageBinary)

	const size = 10 << 20
	src := pattern(size, 5)
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(nc, bytes.NewReader(src))
		copied <- err
	}()
	h := sha256.New()
	n, err := io.CopyN(h, nc, size)
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
	require.NoError(t, <-copied)
	assert.Equal(t, sha256.Sum256(src), [32]byte(h.Sum(nil)), "the bytes that came back")

	// Deadlines: a Read past it times out and the stream stays usable.
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = nc.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "a timeout")
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, nc.SetReadDeadline(time.Time{}))
	_, err = nc.Write([]byte("more"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "more", string(buf))

	// A deadline set while a Read waits ends it.
	readErr := make(chan error, 1)
	go func() {
		_, err := nc.Read(buf)
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, nc.SetReadDeadline(time.Now()))
	require.ErrorIs(t, <-readErr, os.ErrDeadlineExceeded)

	assert.Equal(t, "websocket", nc.RemoteAddr().Network())
	require.NoError(t, nc.Close())
	_, err = nc.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)
}

// TestNetConnWrongType: a message of the other type fails the stream.
func TestNetConnWrongType(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo")
	ctx := ctxFor(t, 10*time.Second)
	nc := netconn.New(ctx, c, client.MessageBinary)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("text")))
	_, err := nc.Read(make([]byte, 10))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "text message")
}

// TestMovedDeadlineNeverFires: a deadline moved later, or cleared, before
// an operation starts never fails that operation, however close the old
// one was to passing when it moved. Each round sets a deadline a few
// microseconds away, lets it come due, moves it, then writes a byte and
// reads its echo: neither may fail. (The timer of the old deadline, fired
// but not yet run when it moved, used to expire the moved one: within a
// few hundred rounds a Read timed out, or a Write was cut mid-message and
// the connection failed.)
func TestMovedDeadlineNeverFires(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo")
	nc := netconn.New(ctxFor(t, 60*time.Second), c, client.MessageBinary)

	const rounds = 3000
	b := []byte{0}
	for i := range rounds {
		due := time.Now().Add(time.Duration(i%50) * time.Microsecond)
		require.NoError(t, nc.SetDeadline(due))
		for time.Now().Before(due) {
			// Spin until the deadline is due, so that its timer
			// fires about when the deadline moves.
		}
		if i%2 == 0 {
			require.NoError(t, nc.SetDeadline(time.Time{}))
		} else {
			require.NoError(t, nc.SetDeadline(time.Now().Add(time.Hour)))
		}
		b[0] = byte(i)
		_, err := nc.Write(b)
		require.NoError(t, err, "round %d: write after the deadline moved", i)
		_, err = io.ReadFull(nc, b)
		require.NoError(t, err, "round %d: read after the deadline moved", i)
		require.Equal(t, byte(i), b[0], "round %d: the byte echoed", i)
	}
}
