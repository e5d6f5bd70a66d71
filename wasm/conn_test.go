//go:build js && wasm

package wasm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// backend is one way a Conn reaches the browser; every behaviour test runs
// on each.
type backend struct {
	name     string
	opts     wasm.Options
	fallback bool // the Go backend, as on a page whose CSP forbids eval
	fn       bool // the shim without the export, as where it cannot find the page's Go instance
}

var backends = []backend{
	{name: "classic"},
	{name: "classic-blob", opts: wasm.Options{BinaryType: wasm.Blob}},
	{name: "stream", opts: wasm.Options{Transport: wasm.TransportStream}},
	{name: "fallback", fallback: true},
	{name: "fallback-blob", opts: wasm.Options{BinaryType: wasm.Blob}, fallback: true},
	{name: "classic-func", fn: true},
}

// path is the ReceivePath of the backend's Conns.
func (be backend) path() string {
	switch {
	case be.fallback:
		return "go"
	case be.fn:
		return "func"
	}
	return "export"
}

// forEach runs fn once per backend, in subtests, and checks that each
// leaves no js.Func behind. only names the backends to run; "classic"
// takes in "classic-func", the same on the js.Func path.
func forEach(t *testing.T, fn func(t *testing.T, be backend), only ...string) {
	for _, be := range backends {
		if len(only) > 0 && !contains(only, strings.TrimSuffix(be.name, "-func")) {
			continue
		}
		t.Run(be.name, func(t *testing.T) {
			before := jsbridge.LiveFuncs()
			old := wasm.SetForceFallback(be.fallback)
			oldFunc := wasm.SetForceFunc(be.fn)
			t.Cleanup(func() {
				wasm.SetForceFunc(oldFunc)
				wasm.SetForceFallback(old)
				assert.Eventually(t, func() bool { return jsbridge.LiveFuncs() == before },
					5*time.Second, 5*time.Millisecond, "js.Funcs left unreleased: %d, want %d", jsbridge.LiveFuncs(), before)
			})
			fn(t, be)
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial opens path on the harness with the backend's options changed by
// edit, and closes it when the test ends.
func (be backend) dial(t *testing.T, path string, edit func(*wasm.Options)) *wasm.Conn {
	t.Helper()
	o := be.opts
	if edit != nil {
		edit(&o)
	}
	c, err := wasm.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), &o)
	require.NoError(t, err, "dial %s", path)
	require.Equal(t, !be.fallback, wasm.UsesShim(c), "backend in use")
	require.Equal(t, be.path(), c.ReceivePath(), "receive path")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.CloseContext(ctx, 1000, "test over")
	})
	return c
}

func read(t *testing.T, c *wasm.Conn) (wasm.MessageType, []byte) {
	t.Helper()
	typ, p, err := c.Read(ctxFor(t, 10*time.Second))
	require.NoError(t, err, "read")
	return typ, p
}

func write(t *testing.T, c *wasm.Conn, typ wasm.MessageType, p []byte) {
	t.Helper()
	err := c.Write(ctxFor(t, 10*time.Second), typ, p)
	require.NoError(t, err, "write %v of %d bytes", typ, len(p))
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

func TestEcho(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit = 2 << 20 })
		for _, tt := range []struct {
			name string
			typ  wasm.MessageType
			p    []byte
		}{
			{"empty text", wasm.MessageText, []byte{}},
			{"text", wasm.MessageText, []byte("hello, duplex")},
			{"multibyte text", wasm.MessageText, []byte("héllo wörld ✓ 🙂")},
			{"empty binary", wasm.MessageBinary, []byte{}},
			{"1 byte", wasm.MessageBinary, []byte{0xff}},
			{"125 bytes", wasm.MessageBinary, pattern(125, 1)},
			{"126 bytes", wasm.MessageBinary, pattern(126, 2)},
			{"64 KiB", wasm.MessageBinary, pattern(65536, 3)},
			{"1 MiB", wasm.MessageBinary, pattern(1<<20, 4)},
			{"1 MiB text", wasm.MessageText, bytes.Repeat([]byte("abcdefgh"), 1<<17)},
		} {
			write(t, c, tt.typ, tt.p)
			typ, p := read(t, c)
			assert.Equal(t, tt.typ, typ, "%s: type", tt.name)
			assert.True(t, bytes.Equal(tt.p, p), "%s: payload of %d bytes, want %d", tt.name, len(p), len(tt.p))
		}
	})
}

// TestOrder sends text and binary messages of very different sizes in one
// burst: they come back in the order sent, whatever the binary type (Blob
// reads finish out of order when they run in parallel).
func TestOrder(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit = 1 << 20 })
		sizes := []int{1, 64 << 10, 3, 20 << 10, 0, 40 << 10, 7} // 3.6 MB in all: within the receive queue
		const n = 200
		var want [][]byte
		ctx := ctxFor(t, 20*time.Second)
		for i := range n {
			p := pattern(sizes[i%len(sizes)]+8, byte(i))
			binary.BigEndian.PutUint64(p, uint64(i))
			if i%3 == 0 {
				s := fmt.Sprintf("text %d %s", i, strings.Repeat("t", sizes[i%len(sizes)]))
				p = []byte(s)
				require.NoError(t, c.Write(ctx, wasm.MessageText, []byte(s)))
			} else {
				require.NoError(t, c.Write(ctx, wasm.MessageBinary, p))
			}
			want = append(want, p)
		}
		for i := range n {
			typ, p, err := c.Read(ctx)
			require.NoError(t, err, "message %d", i)
			wantType := wasm.MessageBinary
			if i%3 == 0 {
				wantType = wasm.MessageText
			}
			require.Equal(t, wantType, typ, "message %d type", i)
			require.True(t, bytes.Equal(want[i], p), "message %d: %d bytes, want %d (out of order?)", i, len(p), len(want[i]))
		}
	})
}

func TestReadTimeoutKeepsConnection(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", nil)
		_, _, err := c.Read(ctxFor(t, 30*time.Millisecond))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, wasm.Open, c.ReadyState(), "still open")
		write(t, c, wasm.MessageText, []byte("after the timeout"))
		_, p := read(t, c)
		assert.Equal(t, "after the timeout", string(p))

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err = c.Read(ctx)
		require.ErrorIs(t, err, context.Canceled, "cancelled before")
	})
}

func TestDialURLs(t *testing.T) {
	ctx := ctxFor(t, 10*time.Second)
	for _, tt := range []struct {
		url   string
		want  string
		shown string // the URL as the error names it
	}{
		{"ftp://127.0.0.1/echo", `scheme "ftp"`, "ftp://127.0.0.1/echo"},
		{"ws://[::1/echo", "Invalid URL", "ws://[::1/echo"},
		{"ws:/127.0.0.1/echo", "no host", "ws:/127.0.0.1/echo"},
		{"ws:///echo", "no host", "ws:///echo"},
		{"ws://127.0.0.1/echo#frag", "no fragment", "ws://127.0.0.1/echo#REDACTED"},
		{"ws://127.0.0.1/echo#", "no fragment", "ws://127.0.0.1/echo#"},
	} {
		_, err := wasm.Dial(ctx, tt.url, nil)
		require.Error(t, err, tt.url)
		assert.Contains(t, err.Error(), tt.want, tt.url)
		assert.Contains(t, err.Error(), tt.shown, "the error names the URL")
	}

	// http:// becomes ws:// by parsing.
	c, err := wasm.Dial(ctx, wstest.HTTPURL(t, "/echo?from=http://x"), nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(c.URL(), "ws://127.0.0.1:"), c.URL())
	assert.True(t, strings.HasSuffix(c.URL(), "/echo?from=http://x"), "only the scheme changes: %s", c.URL())
	require.NoError(t, c.CloseContext(ctx, 1000, ""))

	// What a constructor throws becomes an error.
	_, err = wasm.Dial(ctx, "ws://[::1/echo", nil)
	var jerr *jsbridge.Error
	require.ErrorAs(t, err, &jerr)
	assert.Equal(t, "TypeError", jerr.Name)

	// An offer the WebSocket constructor would throw on is refused
	// first, as package client refuses it natively: its SyntaxError
	// names the value, which may be a credential.
	_, err = wasm.Dial(ctx, wstest.URL(t, "/echo"), &wasm.Options{Subprotocols: []string{"chat", "token=S3CR3T"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Options.Subprotocols[1] holds "="`)
	assert.NotContains(t, err.Error(), "S3CR3T")
	assert.False(t, errors.As(err, &jerr), "not thrown")
	_, err = wasm.Dial(ctx, wstest.URL(t, "/echo"), &wasm.Options{Subprotocols: []string{"a", "a"}})
	assert.ErrorContains(t, err, "Options.Subprotocols[1] repeats Options.Subprotocols[0]")

	_, err = wasm.Dial(ctx, wstest.URL(t, "/echo"), &wasm.Options{Transport: wasm.TransportStream, BinaryType: wasm.Blob})
	require.ErrorIs(t, err, wasm.ErrUnsupported)
	_, err = wasm.Dial(ctx, wstest.URL(t, "/echo"), &wasm.Options{BinaryType: 7})
	require.Error(t, err)
}

// TestDialErrorsHideCredentials: no Dial error's text holds the URL's
// user info, query values or fragment; DialError.URL holds the URL whole;
// each error has one prefix, "wasm:" or, for a *DialError,
// "websocket:".
func TestDialErrorsHideCredentials(t *testing.T) {
	ctx := ctxFor(t, 10*time.Second)
	withUser := func(url string) string { return strings.Replace(url, "ws://", "ws://user:S3CR3T@", 1) }
	for _, tt := range []struct {
		name, url string
		o         *wasm.Options
	}{
		{"never opened", withUser(wstest.URL(t, "/reject?status=403&token=S3CR3T")), nil},
		{"scheme", "ftp://user:S3CR3T@127.0.0.1/x?token=S3CR3T", nil},
		{"fragment", withUser(wstest.URL(t, "/echo?token=S3CR3T#S3CR3T")), nil},
		{"does not parse", "ws://user:S3/CR3T@127.0.0.1/x?token=S3CR3T", nil},
		{"options", withUser(wstest.URL(t, "/echo?token=S3CR3T")), &wasm.Options{Transport: wasm.TransportStream, BinaryType: wasm.Blob}},
	} {
		_, err := wasm.Dial(ctx, tt.url, tt.o)
		require.Error(t, err, tt.name)
		msg := err.Error()
		assert.NotContains(t, msg, "S3CR3T", "%s: the error's text", tt.name)
		assert.NotContains(t, msg, "S3/CR3T", "%s: the error's text", tt.name)
		assert.Contains(t, msg, "REDACTED@", "%s: the error names the URL", tt.name)
		assert.Equal(t, 1, strings.Count(msg, "wasm:")+strings.Count(msg, "websocket:"), "%s: prefixes in %q", tt.name, msg)
		if de, ok := errors.AsType[*wasm.DialError](err); ok {
			assert.Equal(t, tt.url, de.URL, "%s: DialError.URL, whole", tt.name)
		} else {
			assert.NotEqual(t, "never opened", tt.name, "a *DialError")
		}
	}
}

func TestDialFailures(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		ctx := ctxFor(t, 10*time.Second)
		for _, path := range []string{"/reject?status=403", "/reject?status=503&retry_after=1", "/reject?status=302"} {
			o := be.opts
			_, err := wasm.Dial(ctx, wstest.URL(t, path), &o)
			var de *wasm.DialError
			require.ErrorAs(t, err, &de, path)
			assert.Equal(t, 0, de.StatusCode, "%s: browsers hide it", path)
			var ce *wasm.CloseError
			require.ErrorAs(t, err, &ce, path)
			assert.Equal(t, wasm.CloseError{Code: 1006}, *ce, "%s: the close event", path)
			assert.Contains(t, err.Error(), "never opened")
			assert.Contains(t, err.Error(), path[:len("/reject?status=")]+"REDACTED")
			assert.Equal(t, wstest.URL(t, path), de.URL, "the URL whole")
		}

		// A handshake that never completes: ctx, then the handshake timeout.
		o := be.opts
		_, err := wasm.Dial(ctxFor(t, 100*time.Millisecond), wstest.URL(t, "/hang"), &o)
		require.ErrorIs(t, err, context.DeadlineExceeded, "ctx")
		o.HandshakeTimeout = 100 * time.Millisecond
		_, err = wasm.Dial(ctx, wstest.URL(t, "/hang"), &o)
		require.ErrorIs(t, err, context.DeadlineExceeded, "handshake timeout")
		assert.Contains(t, err.Error(), "no handshake within 100ms")
	}, "classic", "stream", "fallback")
}

func TestSubprotocolsAndExtensions(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo?compress=nocontext", func(o *wasm.Options) { o.Subprotocols = []string{"b.duplex", "a.duplex"} })
		assert.Equal(t, "b.duplex", c.Subprotocol(), "negotiated subprotocol")
		assert.Contains(t, c.Extensions(), "permessage-deflate", "negotiated extension")

		c = be.dial(t, "/echo?protocols=a.duplex", func(o *wasm.Options) { o.Subprotocols = []string{"b.duplex", "a.duplex"} })
		assert.Equal(t, "a.duplex", c.Subprotocol(), "the server's choice")
		c = be.dial(t, "/echo", nil)
		assert.Equal(t, "", c.Subprotocol(), "none offered")
		assert.Equal(t, "", c.Extensions(), "no compression")
	}, "classic", "stream", "fallback")
}

func TestReadLimit(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		id := wstest.ID(t)
		c := be.dial(t, "/echo?id="+id, func(o *wasm.Options) { o.ReadLimit = 1024 })
		write(t, c, wasm.MessageBinary, pattern(1024, 1))
		// 500 characters, 1500 bytes of UTF-8: over the limit although
		// the string's length is not.
		write(t, c, wasm.MessageText, []byte(strings.Repeat("✓", 500)))
		write(t, c, wasm.MessageBinary, []byte("after"))

		_, p := read(t, c)
		assert.Len(t, p, 1024, "a message at the limit")
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		require.ErrorIs(t, err, wasm.ErrMessageTooBig)
		assert.Contains(t, err.Error(), "1500 bytes")
		assert.Contains(t, err.Error(), "1024")
		require.ErrorIs(t, err, wasm.ErrMessageTooBig, "again")
		_, _, err = c.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, wasm.ErrMessageTooBig, "every later Read")

		require.Eventually(t, func() bool {
			s := wstest.Stats(t, id)
			return len(s.Conns) == 1 && s.Conns[0].ClientCloseCode == 4009
		}, 5*time.Second, 20*time.Millisecond, "the server got 4009")
	})
}

// TestReadLimitNegative: a negative Options.ReadLimit other than -1 means
// the default, as it does in SetReadLimit (and in client.Options), not no
// limit.
func TestReadLimitNegative(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit = -2 })
		write(t, c, wasm.MessageBinary, pattern(wasm.DefaultReadLimit+1, 1))
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		require.ErrorIs(t, err, wasm.ErrMessageTooBig, "a message over the default limit")
	}, "classic", "stream", "fallback")
}

func TestQueueLimitCloses(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		id := wstest.ID(t)
		c := be.dial(t, "/flood?n=3000&size=1024&id="+id, func(o *wasm.Options) {
			o.ReadLimit = 4096
			o.ReceiveQueueLimit = 64 << 10
		})
		require.Eventually(t, func() bool {
			s := wstest.Stats(t, id)
			return len(s.Conns) == 1 && s.Conns[0].ClientCloseCode == 4008
		}, 10*time.Second, 20*time.Millisecond, "the server got 4008")
		assert.LessOrEqual(t, wasm.QueuedBytes(c), int64(64<<10), "queued bytes within the limit")

		n := 0
		var err error
		for {
			_, _, err = c.Read(ctxFor(t, 5*time.Second))
			if err != nil {
				break
			}
			n++
		}
		require.ErrorIs(t, err, wasm.ErrReceiveQueueFull)
		assert.Contains(t, err.Error(), "65536")
		assert.LessOrEqual(t, n, 64, "messages delivered before the error")
		assert.Greater(t, n, 0, "the messages queued before the limit are delivered")
	}, "classic", "classic-blob", "fallback", "fallback-blob")
}

// TestQueueLimitStreamPushesBack: WebSocketStream stops reading when the
// queue is full, so the server's writes stall and nothing is lost.
func TestQueueLimitStreamPushesBack(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		id := wstest.ID(t)
		const n, size = 1500, 16 << 10
		c := be.dial(t, fmt.Sprintf("/flood?n=%d&size=%d&id=%s", n, size, id), func(o *wasm.Options) {
			o.ReadLimit = size
			o.ReceiveQueueLimit = 256 << 10
		})
		time.Sleep(500 * time.Millisecond)
		sent := wstest.Stats(t, id).MessagesSent
		assert.Less(t, sent, int64(n), "the server stalled")
		assert.LessOrEqual(t, wasm.QueuedBytes(c), int64(256<<10), "queued bytes within the limit")

		for i := 1; i <= n; i++ {
			_, p := read(t, c)
			require.Equal(t, uint64(i), binary.BigEndian.Uint64(p), "message %d", i)
		}
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		var ce *wasm.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, wasm.StatusNormalClosure, ce.Code)
	}, "stream")
}

func TestInvalidUTF8NotSent(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		id := wstest.ID(t)
		c := be.dial(t, "/echo?id="+id, nil)
		err := c.Write(ctxFor(t, time.Second), wasm.MessageText, []byte("ok\xff"))
		require.ErrorIs(t, err, wasm.ErrInvalidUTF8)
		write(t, c, wasm.MessageText, []byte("valid"))
		_, p := read(t, c)
		assert.Equal(t, "valid", string(p))
		assert.Equal(t, int64(1), wstest.Stats(t, id).MessagesReceived, "only the valid message reached the server")
	}, "classic", "stream", "fallback")
}

func TestClosedConn(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", nil)
		ctx := ctxFor(t, 5*time.Second)

		readErr := make(chan error, 1)
		go func() {
			_, _, err := c.Read(ctx)
			readErr <- err
		}()
		require.NoError(t, c.CloseContext(ctx, 1000, "done"), "a clean close")
		require.ErrorIs(t, <-readErr, wasm.ErrClosed, "a Read waiting during Close")

		require.ErrorIs(t, c.CloseContext(ctx, 1000, ""), wasm.ErrClosed, "Close twice")
		require.ErrorIs(t, c.CloseNow(), wasm.ErrClosed, "CloseNow after Close")
		require.ErrorIs(t, c.Write(ctx, wasm.MessageText, []byte("x")), wasm.ErrClosed, "Write of text after Close")
		require.ErrorIs(t, c.Write(ctx, wasm.MessageBinary, []byte{1}), wasm.ErrClosed, "Write of binary after Close")
		_, _, err := c.Read(ctx)
		require.ErrorIs(t, err, wasm.ErrClosed, "Read after Close")
		assert.Equal(t, wasm.Closed, c.ReadyState())
	})
}

func TestCloseCodes(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for _, tt := range []struct {
			code, sent wasm.StatusCode
			valid      bool
		}{
			{1000, 1000, true},
			{1001, 4001, true},
			{1008, 4008, true},
			{1009, 4009, true},
			{1011, 4011, true},
			{3000, 3000, true},
			{4999, 4999, true},
			{999, 4011, false},
			{2000, 4011, false},
			{5000, 4011, false},
		} {
			id := wstest.ID(t)
			c := be.dial(t, "/echo?id="+id, nil)
			err := c.CloseContext(ctxFor(t, 5*time.Second), tt.code, "why")
			if tt.valid {
				require.NoError(t, err, "code %d: a clean close", tt.code)
			} else {
				require.ErrorIs(t, err, wasm.ErrInvalidCloseCode, "code %d", tt.code)
				assert.Contains(t, err.Error(), "closed with 4011", "code %d: the error says what was sent", tt.code)
				assert.NotContains(t, err.Error(), "did not finish", "code %d: and the close was clean", tt.code)
			}
			sent, ok := wasm.WireCode(tt.code)
			assert.Equal(t, tt.sent, sent, "code %d: WireCode", tt.code)
			assert.Equal(t, tt.valid, ok, "code %d: WireCode", tt.code)
			assert.Equal(t, int(tt.sent), wstest.CloseSeen(t, id).ClientCloseCode, "code %d: what the server got", tt.code)
		}
	}, "classic", "stream", "fallback")
}

func TestCloseReason(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for _, tt := range []struct {
			name, reason, want string
		}{
			{"short", "bye", "bye"},
			{"123 bytes", strings.Repeat("r", 123), strings.Repeat("r", 123)},
			{"200 bytes", strings.Repeat("r", 200), strings.Repeat("r", 123)},
			{"multibyte at the edge", strings.Repeat("é", 100), strings.Repeat("é", 61)},
			{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		} {
			id := wstest.ID(t)
			c := be.dial(t, "/echo?id="+id, nil)
			require.NoError(t, c.CloseContext(ctxFor(t, 5*time.Second), 4000, tt.reason), tt.name)
			got := wstest.CloseSeen(t, id).ClientCloseReason
			assert.Equal(t, tt.want, got, "%s: what the server got", tt.name)
			assert.True(t, utf8.ValidString(got))
		}
	}, "classic", "stream", "fallback")
}

func TestServerClose(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		for _, tt := range []struct {
			query  string
			echo   int
			code   wasm.StatusCode
			reason string
		}{
			{"?code=4001&reason=bye", 0, 4001, "bye"},
			{"?code=1001&reason=restarting&after=2", 2, 1001, "restarting"},
			{"?code=1000", 0, 1000, ""},
		} {
			c := be.dial(t, "/close"+tt.query, nil)
			for i := range tt.echo {
				write(t, c, wasm.MessageBinary, []byte{byte(i)})
				_, p := read(t, c)
				assert.Equal(t, []byte{byte(i)}, p)
			}
			_, _, err := c.Read(ctxFor(t, 10*time.Second))
			var ce *wasm.CloseError
			require.ErrorAs(t, err, &ce, tt.query)
			assert.Equal(t, wasm.CloseError{Code: tt.code, Reason: tt.reason, WasClean: true}, *ce, tt.query)
			assert.ErrorIs(t, err, wasm.ErrClosed)
			err = c.Write(ctxFor(t, time.Second), wasm.MessageText, []byte("late"))
			assert.ErrorIs(t, err, wasm.ErrClosed, "write after the server closed")
			assert.ErrorAs(t, err, &ce, "and says how")
		}
	})
}

func TestDrop(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/drop?after=1", nil)
		write(t, c, wasm.MessageText, []byte("one"))
		_, p := read(t, c)
		assert.Equal(t, "one", string(p))
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		var ce *wasm.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, wasm.CloseError{Code: 1006, WasClean: false}, *ce)
	})
}

func TestCloseGivesUp(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/silent", nil)
		err := c.CloseContext(ctxFor(t, 200*time.Millisecond), 1000, "anyone?")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, "wasm: close: the closing handshake did not finish: context deadline exceeded", err.Error())

		c = be.dial(t, "/silent", func(o *wasm.Options) { o.CloseTimeout = 100 * time.Millisecond })
		err = c.CloseContext(context.Background(), 1000, "")
		require.ErrorIs(t, err, context.DeadlineExceeded, "Options.CloseTimeout")
	}, "classic", "stream", "fallback")
}

func TestBackpressure(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		const high, low, size = 256 << 10, 64 << 10, 64 << 10
		c := be.dial(t, "/slow?delay=1h", func(o *wasm.Options) {
			o.SendHighWater, o.SendLowWater = high, low
			o.CloseTimeout = 100 * time.Millisecond
		})
		msg := pattern(size, 9)
		var written int
		var err error
		for written < 1<<30 {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			err = c.Write(ctx, wasm.MessageBinary, msg)
			cancel()
			if err != nil {
				break
			}
			written += size
			require.LessOrEqual(t, c.BufferedAmount(), int64(high+size), "buffered after a write")
		}
		require.ErrorIs(t, err, context.DeadlineExceeded, "a write waits once the server stops reading")
		assert.GreaterOrEqual(t, c.BufferedAmount(), int64(low), "still buffered")
		t.Logf("%s: %d MiB written before the wait", be.name, written>>20)
	}, "classic", "stream", "fallback")
}

func TestConcurrentWriters(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", nil)
		const writers, each = 10, 20
		ctx := ctxFor(t, 20*time.Second)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := append(pattern(100+w*10+i, byte(w)), byte(w), byte(i))
					if err := c.Write(ctx, wasm.MessageBinary, p); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			}()
		}
		next := make([]int, writers)
		for range writers * each {
			_, p, err := c.Read(ctx)
			require.NoError(t, err)
			w, i := int(p[len(p)-2]), int(p[len(p)-1])
			require.Equal(t, next[w], i, "writer %d's order", w)
			next[w]++
			require.True(t, bytes.Equal(append(pattern(100+w*10+i, byte(w)), byte(w), byte(i)), p), "message intact")
		}
		wg.Wait()
	}, "classic", "stream", "fallback")
}

func TestWriteCopies(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", nil)
		p := []byte("first")
		write(t, c, wasm.MessageBinary, p)
		copy(p, "XXXXX")
		write(t, c, wasm.MessageBinary, []byte("second"))
		_, got := read(t, c)
		assert.Equal(t, "first", string(got), "the bytes as they were when written")
		_, got = read(t, c)
		assert.Equal(t, "second", string(got))
	}, "classic", "stream", "fallback")
}

func TestAccessors(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", nil)
		assert.Equal(t, wasm.Open, c.ReadyState())
		assert.Equal(t, be.opts.BinaryType, c.BinaryType())
		wantTransport := wasm.TransportWebSocket
		if be.opts.Transport == wasm.TransportStream {
			wantTransport = wasm.TransportStream
		}
		assert.Equal(t, wantTransport, c.Transport())
		assert.Equal(t, int64(0), c.BufferedAmount(), "nothing buffered yet")
		assert.True(t, strings.HasPrefix(c.URL(), "ws://127.0.0.1:"))
		err := c.CloseContext(ctxFor(t, 5*time.Second), 1000, "")
		require.NoError(t, err)
		assert.Equal(t, wasm.Closed, c.ReadyState())
	})
}

func TestPreferStream(t *testing.T) {
	c, err := wasm.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo"), &wasm.Options{Transport: wasm.TransportPreferStream})
	require.NoError(t, err)
	assert.Equal(t, wasm.TransportStream, c.Transport(), "Chromium has WebSocketStream")
	_ = c.CloseContext(ctxFor(t, 5*time.Second), 1000, "")

	c, err = wasm.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo"), &wasm.Options{Transport: wasm.TransportPreferStream, BinaryType: wasm.Blob})
	require.NoError(t, err)
	assert.Equal(t, wasm.TransportWebSocket, c.Transport(), "Blob needs the classic WebSocket")
	_ = c.CloseContext(ctxFor(t, 5*time.Second), 1000, "")
}

// TestNoEval: on a page whose Content Security Policy forbids eval, the
// Function constructor throws; Dial says so, and uses the Go backend once
// the program has called EnableCSPFallback.
func TestNoEval(t *testing.T) {
	wasm.DisableCSPFallback(t)
	fn := js.Global().Get("Function")
	js.Global().Set("Function", js.Global().Get("Function").New(`throw new EvalError("Refused to evaluate a string as JavaScript")`))
	wasm.ResetShim()
	defer func() {
		js.Global().Set("Function", fn)
		wasm.ResetShim()
	}()
	_, err := wasm.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo"), nil)
	require.ErrorIs(t, err, wasm.ErrUnsupported, "no fallback unless asked for")
	assert.ErrorContains(t, err, "Refused to evaluate", "the browser's reason")
	assert.ErrorContains(t, err, "wasm.EnableCSPFallback", "what to do")

	wasm.EnableCSPFallback()
	c, err := wasm.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo"), nil)
	require.NoError(t, err)
	assert.False(t, wasm.UsesShim(c), "the Go backend")
	require.NoError(t, c.Write(ctxFor(t, 5*time.Second), wasm.MessageText, []byte("no eval")))
	_, p, err := c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "no eval", string(p))
	err = c.CloseContext(ctxFor(t, 5*time.Second), 1000, "")
	require.NoError(t, err)

	_, err = wasm.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo"), &wasm.Options{Transport: wasm.TransportStream})
	require.ErrorIs(t, err, wasm.ErrUnsupported, "WebSocketStream needs the shim")
}

func TestWireCode(t *testing.T) {
	for code, want := range map[wasm.StatusCode]wasm.StatusCode{1000: 1000, 1001: 4001, 1015: 4015, 2999: 4011, 3000: 3000, 4999: 4999, 0: 4011} {
		got, _ := wasm.WireCode(code)
		assert.Equal(t, want, got, "code %d", code)
	}
	var ce error = &wasm.CloseError{Code: 4001, Reason: "bye", WasClean: true}
	assert.Equal(t, "websocket: closed with 4001: bye", ce.Error())
	assert.True(t, errors.Is(ce, wasm.ErrClosed))
}
