//go:build !js

package client_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// What the native client does where browsers differ (see
// docs/platforms.md, "Hostile peers").
const (
	// announcedSizeSeen: a frame's header, before its payload, tells the
	// client a message is over the read limit.
	announcedSizeSeen = true
	// closeBeforeLateData: data after the server's close frame is not
	// read; the close frame is what Read reports.
	closeBeforeLateData = true
	// serverSeesProtocolError: the server gets 1002 when it breaks the
	// protocol.
	serverSeesProtocolError = true
	// closeTimeoutIsError: Close whose handshake times out returns the
	// ctx's error.
	closeTimeoutIsError = true
	// closeNowCutsTCP: CloseNow, and a connection given up, close TCP at
	// once.
	closeNowCutsTCP = true
	// messagesBeforeFaultKept: the messages that came before a bad frame
	// are read before the error.
	messagesBeforeFaultKept = true
	// readerStreams: Reader returns at a message's header, and its body
	// is read as it arrives.
	readerStreams = true
)

// TestHostileTooBigNotDownloaded: a message over the read limit is
// refused when its header arrives, not after downloading it.
func TestHostileTooBigNotDownloaded(t *testing.T) {
	t.Parallel()
	const size = 16 << 20
	c := dial(t, "/stall?size=16777216&send=16777216", &client.Options{ReadLimit: 1 << 10})
	err := readErr(t, c, hang/2)
	require.ErrorIs(t, err, client.ErrMessageTooBig)
	require.Less(t, client.Received(c), int64(1<<20), "bytes read of a %d-byte message over the limit", size)
}

// FuzzHostilePeer: whatever bytes follow a valid handshake, Read never
// panics and returns within its ctx, and CloseNow returns.
func FuzzHostilePeer(f *testing.F) {
	for _, seed := range [][]byte{
		{0x81, 2, 'h', 'i'},
		{0x82, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0},
		{0x01, 1, 'a', 0x89, 0, 0x80, 1, 'b'},
		{0x88, 2, 0x03, 0xe8, 0x81, 1, 'x'},
		{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'},
		{0xc1, 1, 'x'},
	} {
		f.Add(seed)
	}
	base := wstest.URL(f, "/raw")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.Dial(ctx, base+"?hold=5s&b64="+base64.RawURLEncoding.EncodeToString(data), &client.Options{ReadLimit: 1 << 12})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.CloseNow()
		for range 64 {
			rctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			start := time.Now()
			_, _, err := c.Read(rctx)
			cancel()
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Read returned after %v", d)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Fatalf("Read: %v, without net.ErrClosed", err)
				}
				return
			}
		}
	})
}

// TestHandshakeWording: a 101 answer that is not a valid WebSocket
// handshake fails Dial in this package's words, saying what was wrong,
// with no coder/websocket wording.
func TestHandshakeWording(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, answer, want string }{
		{"bad accept", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n", "Sec-WebSocket-Accept"},
		{"no upgrade", "Connection: keep-alive\r\nSec-WebSocket-Accept: bm9wZQ==\r\n", "Connection header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, brw, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				defer conn.Close()
				_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\n" + tt.answer + "\r\n")
				_ = brw.Flush()
				_, _ = brw.ReadByte() // until the client goes
			}))
			t.Cleanup(srv.Close)
			_, err := client.Dial(ctxFor(t, 5*time.Second), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			de, ok := errors.AsType[*client.DialError](err)
			require.True(t, ok, "want a *DialError, got %v", err)
			msg := de.Error()
			assert.Contains(t, msg, "not a valid WebSocket handshake")
			assert.Contains(t, msg, tt.want)
			assert.NotContains(t, msg, "failed to")
			assert.NotContains(t, msg, "protocol violation")
		})
	}
}

// TestHostileRefusalBody: a refusal whose body never ends, or a bad 101
// answer with TCP left open, does not hold Dial past its ctx (1 s here;
// the limit below is a hang bound, not a speed check: the library it runs
// on waits 3 s for such a body, whatever the ctx).
func TestHostileRefusalBody(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{
		"HTTP/1.1 403 Forbidden\r\nContent-Length: 100000\r\n\r\nnot yet",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString(answer)
			_ = brw.Flush()
			_, _ = brw.ReadByte() // until the client goes
		}))
		t.Cleanup(srv.Close)
		done := make(chan error, 1)
		go func() {
			_, err := client.Dial(ctxFor(t, time.Second), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			done <- err
		}()
		select {
		case err := <-done:
			_, ok := errors.AsType[*client.DialError](err)
			require.True(t, ok, "want a *DialError, got %v", err)
		case <-time.After(2500 * time.Millisecond):
			t.Fatalf("Dial with a 1 s ctx has not returned after 2.5 s (answer %q)", answer[:20])
		}
	}
}

// TestWriteWaitsForWriter: a Write waits for another goroutine's Writer
// to close; a Write whose ctx ends while it waits has sent nothing and
// says so, and the connection goes on. (In browsers a Writer sends its
// message whole at Close, and other messages do not wait for it.)
func TestWriteWaitsForWriter(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	ctx := ctxFor(t, 10*time.Second)
	w, err := c.Writer(ctx, client.MessageText)
	require.NoError(t, err)
	_, err = w.Write([]byte("first"))
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = c.Write(short, client.MessageText, []byte("never"))
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "half written")

	require.NoError(t, w.Close())
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("second")))
	for _, want := range []string{"first", "second"} {
		_, p, err := c.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, string(p))
	}
}
