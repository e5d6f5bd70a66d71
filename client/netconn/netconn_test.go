package netconn_test

// This file has no build tag: the same tests run natively and in headless
// Chrome.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net"
	"os"
	"strings"
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
	assert.Equal(t, c.URL(), nc.RemoteAddr().String(), "no credentials to mask")
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

// TestConcurrentWritesAtomic: each Write's bytes reach the stream whole,
// whatever other goroutines write meanwhile, as on a TCP connection. The
// blocks are bigger than one message (a Write of them goes out as
// several), and each says who wrote it and carries a fill only it has.
func TestConcurrentWritesAtomic(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo")
	nc := netconn.New(ctxFor(t, 60*time.Second), c, client.MessageBinary)

	const writers, blocks = 6, 12
	fill := func(w, i int) byte { return byte(w*blocks + i + 1) }
	size := func(w, i int) int { return 40<<10 + (w*7919+i*104729)%(60<<10) }
	done := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range blocks {
				n := size(w, i)
				p := make([]byte, 9+n)
				p[0] = byte(w)
				binary.BigEndian.PutUint32(p[1:], uint32(i))
				binary.BigEndian.PutUint32(p[5:], uint32(n))
				for j := 9; j < len(p); j++ {
					p[j] = fill(w, i)
				}
				if _, err := nc.Write(p); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}

	next := make([]int, writers) // each writer's next block
	hdr := make([]byte, 9)
	for range writers * blocks {
		_, err := io.ReadFull(nc, hdr)
		require.NoError(t, err)
		w, i, n := int(hdr[0]), int(binary.BigEndian.Uint32(hdr[1:])), int(binary.BigEndian.Uint32(hdr[5:]))
		require.Less(t, w, writers, "a block header: writer")
		require.Equal(t, next[w], i, "writer %d: the block that comes next", w)
		require.Equal(t, size(w, i), n, "writer %d block %d: its size", w, i)
		body := make([]byte, n)
		_, err = io.ReadFull(nc, body)
		require.NoError(t, err)
		for j, b := range body {
			if b != fill(w, i) {
				require.Failf(t, "a block cut by another Write", "writer %d block %d: byte %d of %d is %#x, want %#x", w, i, j, n, b, fill(w, i))
			}
		}
		next[w]++
	}
	for range writers {
		require.NoError(t, <-done)
	}
}

// TestWriteWaitTimesOut: a Write waiting for another to finish still
// ends at the write deadline, with a timeout and nothing of it sent. The
// peer reads nothing, so the first of two big Writes blocks and the other
// waits behind it.
func TestWriteWaitTimesOut(t *testing.T) {
	t.Parallel()
	c := dial(t, "/silent")
	nc := netconn.New(ctxFor(t, 30*time.Second), c, client.MessageBinary)

	type result struct {
		n   int
		err error
	}
	results := make(chan result, 2)
	big := make([]byte, 64<<20) // more than the kernel and the browser buffer
	for range 2 {
		go func() {
			n, err := nc.Write(big)
			results <- result{n, err}
		}()
	}
	require.NoError(t, nc.SetWriteDeadline(time.Now().Add(200*time.Millisecond)))
	waited := 0
	for range 2 {
		r := <-results
		var ne net.Error
		require.ErrorAs(t, r.err, &ne, "a blocked Write ends at the deadline")
		assert.True(t, ne.Timeout(), "a timeout: %v (n=%d)", r.err, r.n)
		assert.ErrorIs(t, r.err, os.ErrDeadlineExceeded)
		assert.Less(t, r.n, len(big), "bytes written")
		if r.n == 0 {
			waited++
		}
	}
	assert.Equal(t, 1, waited, "Writes that waited for the other and sent nothing")
}

// TestWriteCutByDeadline: a Write blocked by a peer that reads nothing
// ends at its deadline with a timeout, even where cutting it mid-message
// fails the connection (natively).
func TestWriteCutByDeadline(t *testing.T) {
	t.Parallel()
	for i := range 3 {
		c := dial(t, "/silent")
		nc := netconn.New(ctxFor(t, 30*time.Second), c, client.MessageBinary)
		require.NoError(t, nc.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
		n, err := nc.Write(make([]byte, 16<<20))
		var ne net.Error
		require.ErrorAs(t, err, &ne, "round %d", i)
		assert.True(t, ne.Timeout(), "round %d: a timeout: %v", i, err)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "round %d", i)
		assert.Less(t, n, 16<<20, "round %d: bytes written", i)
	}
}

// TestRemoteAddrHidesCredentials: servers and proxies log the remote
// address; it names the WebSocket's URL without its token.
func TestRemoteAddrHidesCredentials(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo?token=S3CR3T")
	nc := netconn.New(ctxFor(t, 10*time.Second), c, client.MessageBinary)
	assert.NotContains(t, nc.RemoteAddr().String(), "S3CR3T")
	assert.True(t, strings.HasSuffix(nc.RemoteAddr().String(), "/echo?token=REDACTED"), nc.RemoteAddr().String())
	assert.Contains(t, c.URL(), "S3CR3T", "client.Conn.URL: whole")
}
