package client_test

// This file has no build tag: the same tests run natively, on
// coder/websocket, and in headless Chrome, on the browser's WebSocket.
// That they pass on both is the package's promise.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
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
func dial(t *testing.T, path string, o *client.Options) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), o)
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

func TestEcho(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", &client.Options{ReadLimit: 5 << 20})
	ctx := ctxFor(t, 30*time.Second)
	for _, size := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20, 4 << 20} {
		for _, typ := range []client.MessageType{client.MessageText, client.MessageBinary} {
			p := pattern(size, byte(size))
			if typ == client.MessageText {
				p = bytes.Repeat([]byte("a"), size)
			}
			require.NoError(t, c.Write(ctx, typ, p), "%v of %d bytes", typ, size)
			got, q, err := c.Read(ctx)
			require.NoError(t, err, "%v of %d bytes", typ, size)
			assert.Equal(t, typ, got, "%v of %d bytes: type", typ, size)
			assert.True(t, bytes.Equal(p, q), "%v of %d bytes: got %d bytes", typ, size, len(q))
		}
	}
}

func TestStreaming(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	ctx := ctxFor(t, 10*time.Second)

	// Text written in pieces that cut characters in two.
	text := "héllo, wörld ✓ 🙂"
	w, err := c.Writer(ctx, client.MessageText)
	require.NoError(t, err)
	for i := 0; i < len(text); i += 3 {
		_, err := w.Write([]byte(text[i:min(i+3, len(text))]))
		require.NoError(t, err, "piece at %d", i)
	}
	_, err = w.Write([]byte{0xff})
	require.ErrorIs(t, err, client.ErrInvalidUTF8, "a piece that is not UTF-8")
	require.NoError(t, w.Close())

	typ, r, err := c.Reader(ctx)
	require.NoError(t, err)
	assert.Equal(t, client.MessageText, typ)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, text, string(got))

	// A body left unread is skipped by the next Reader.
	require.NoError(t, c.Write(ctx, client.MessageBinary, pattern(1000, 1)))
	require.NoError(t, c.Write(ctx, client.MessageBinary, []byte("second")))
	_, r, err = c.Reader(ctx)
	require.NoError(t, err)
	buf := make([]byte, 10)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "second", string(p))

	// A cut character at the end of a text message is refused.
	w, err = c.Writer(ctx, client.MessageText)
	require.NoError(t, err)
	_, err = w.Write([]byte("ok\xe2\x9c"))
	require.NoError(t, err)
	require.ErrorIs(t, w.Close(), client.ErrInvalidUTF8)
	_, p, err = c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(p), "the text before the cut character")
}

func TestSubprotocol(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", &client.Options{Subprotocols: []string{"b.duplex", "a.duplex"}})
	assert.Equal(t, "b.duplex", c.Subprotocol(), "the first offered")
	c = dial(t, "/echo?protocols=a.duplex", &client.Options{Subprotocols: []string{"b.duplex", "a.duplex"}})
	assert.Equal(t, "a.duplex", c.Subprotocol(), "the server's choice")
	c = dial(t, "/echo", nil)
	assert.Equal(t, "", c.Subprotocol(), "none offered")

	// The server selects none of those offered: Chrome fails the
	// handshake, and so does the native build.
	_, err := client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo?protocols=x.duplex"),
		&client.Options{Subprotocols: []string{"b.duplex", "a.duplex"}})
	var de *client.DialError
	require.ErrorAs(t, err, &de, "none of the offered selected")
	assert.Contains(t, err.Error(), "subprotocols", "the error names the likely cause")
}

// TestSubprotocolsChecked: an offer the browser's WebSocket constructor
// would throw on (a subprotocol that is not an RFC 6455 token, or one
// offered twice) is refused before anything is dialled, on both
// platforms alike, naming the subprotocol by its index (its value may be
// a credential). Before, the native client sent such an offer, and the
// browser threw a SyntaxError that named the value.
func TestSubprotocolsChecked(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		list []string
		want string
	}{
		{"a space", []string{"chat", "not a token"}, "Options.Subprotocols[1] holds a space"},
		{"a separator", []string{"token=S3CR3T"}, `Options.Subprotocols[0] holds "="`},
		{"empty", []string{""}, "Options.Subprotocols[0] is empty"},
		{"not ASCII", []string{"chät"}, "Options.Subprotocols[0] holds a byte outside printable ASCII"},
		{"twice", []string{"a", "b", "a"}, "Options.Subprotocols[2] repeats Options.Subprotocols[0]"},
	} {
		id := wstest.ID(t)
		_, err := client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo?id="+id), &client.Options{Subprotocols: tt.list})
		require.Error(t, err, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
		assert.NotContains(t, err.Error(), "S3CR3T", tt.name)
		assert.True(t, strings.HasPrefix(err.Error(), "client: dial ws://127.0.0.1:"), "%s: %q", tt.name, err)
		onePrefix(t, err)
		assert.Equal(t, int64(0), wstest.Stats(t, id).Handshakes, "%s: nothing was dialled", tt.name)
	}
}

func TestServerClose(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		query  string
		code   client.StatusCode
		reason string
	}{
		{"?code=4001&reason=bye", 4001, "bye"},
		{"?code=1001&reason=restarting", client.StatusGoingAway, "restarting"},
		{"?code=1000", client.StatusNormalClosure, ""},
		{"?code=1011&reason=" + strings.Repeat("r", 123), client.StatusInternalError, strings.Repeat("r", 123)},
	} {
		c := dial(t, "/close"+tt.query, nil)
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		var ce *client.CloseError
		require.ErrorAs(t, err, &ce, tt.query)
		assert.Equal(t, client.CloseError{Code: tt.code, Reason: tt.reason, WasClean: true}, *ce, tt.query)
		assert.Equal(t, tt.code, client.CloseStatus(err), "CloseStatus")
		assert.ErrorIs(t, err, net.ErrClosed)

		err = c.Write(ctxFor(t, time.Second), client.MessageText, []byte("late"))
		require.ErrorIs(t, err, net.ErrClosed, "%s: write after the server closed", tt.query)
		assert.Equal(t, tt.code, client.CloseStatus(err), "%s: the write says how", tt.query)
	}
	assert.Equal(t, client.StatusCode(0), client.CloseStatus(errors.New("other")))
}

func TestDrop(t *testing.T) {
	t.Parallel()
	c := dial(t, "/drop?after=1", nil)
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("one")))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "one", string(p))
	_, _, err = c.Read(ctx)
	var ce *client.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, client.CloseError{Code: client.StatusAbnormalClosure}, *ce, "cut without a close frame")
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	type tc struct {
		code, sent client.StatusCode
		valid      bool
	}
	cases := []tc{{0, 4011, false}, {999, 4011, false}, {1000, 1000, true}}
	for code := client.StatusCode(1001); code <= 1015; code++ {
		cases = append(cases, tc{code, 4000 + code - 1000, true})
	}
	cases = append(cases, tc{1016, 4011, false}, tc{2999, 4011, false}, tc{3000, 3000, true},
		tc{4999, 4999, true}, tc{5000, 4011, false})
	var wg sync.WaitGroup
	for _, tt := range cases {
		id := wstest.ID(t)
		c := dial(t, "/echo?id="+id, nil)
		wg.Go(func() {
			err := c.CloseContext(ctxFor(t, 5*time.Second), tt.code, "why")
			reason := "why"
			if tt.valid {
				assert.NoError(t, err, "code %d", tt.code)
			} else {
				assert.ErrorIs(t, err, client.ErrInvalidCloseCode, "code %d", tt.code)
				reason = fmt.Sprintf("duplex: invalid close code %d", tt.code)
			}
			cs := wstest.CloseSeen(t, id)
			assert.Equal(t, int(tt.sent), cs.ClientCloseCode, "code %d: what the server got", tt.code)
			assert.Equal(t, reason, cs.ClientCloseReason, "code %d: reason", tt.code)
		})
	}
	wg.Wait()
}

func TestCloseReason(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, reason, want string
	}{
		{"123 bytes", strings.Repeat("r", 123), strings.Repeat("r", 123)},
		{"200 bytes", strings.Repeat("r", 200), strings.Repeat("r", 123)},
		{"multibyte at the edge", strings.Repeat("é", 100), strings.Repeat("é", 61)},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	} {
		id := wstest.ID(t)
		c := dial(t, "/echo?id="+id, nil)
		require.NoError(t, c.Close(4000, tt.reason), tt.name)
		cs := wstest.CloseSeen(t, id)
		assert.Equal(t, tt.want, cs.ClientCloseReason, "%s: what the server got", tt.name)
		assert.True(t, utf8.ValidString(cs.ClientCloseReason))
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/echo?id="+id, &client.Options{ReadLimit: 1024})
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageBinary, pattern(1024, 1)))
	// 500 characters, 1500 bytes of UTF-8.
	require.NoError(t, c.Write(ctx, client.MessageText, []byte(strings.Repeat("✓", 500))))
	require.NoError(t, c.Write(ctx, client.MessageBinary, []byte("after")))

	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Len(t, p, 1024, "a message at the limit")
	_, _, err = c.Read(ctx)
	require.ErrorIs(t, err, client.ErrMessageTooBig)
	assert.Contains(t, err.Error(), "1024")
	_, _, err = c.Read(ctx)
	require.ErrorIs(t, err, client.ErrMessageTooBig, "every later Read")
	cs := wstest.CloseSeen(t, id)
	assert.Equal(t, 4009, cs.ClientCloseCode, "the server got 4009")
	assert.Equal(t, "duplex: message too big", cs.ClientCloseReason, "and the same reason on both platforms")

	// SetReadLimit raises it for what comes next.
	c = dial(t, "/echo", &client.Options{ReadLimit: 1024})
	c.SetReadLimit(4096)
	require.NoError(t, c.Write(ctx, client.MessageBinary, pattern(4000, 2)))
	_, p, err = c.Read(ctx)
	require.NoError(t, err)
	assert.Len(t, p, 4000)
	c.SetReadLimit(-1)
	require.NoError(t, c.Write(ctx, client.MessageBinary, pattern(1<<20, 3)))
	_, p, err = c.Read(ctx)
	require.NoError(t, err)
	assert.Len(t, p, 1<<20, "no limit")
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/echo?id="+id, nil)
	ctx := ctxFor(t, 10*time.Second)
	err := c.Write(ctx, client.MessageText, []byte("ok\xff"))
	require.ErrorIs(t, err, client.ErrInvalidUTF8)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("valid")))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "valid", string(p))
	assert.Equal(t, int64(1), wstest.Stats(t, id).MessagesReceived, "only the valid message reached the server")

	// Received: the connection fails as Chrome fails it.
	id = wstest.ID(t)
	c = dial(t, "/badutf8?id="+id, nil)
	_, _, err = c.Read(ctx)
	var ce *client.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, client.CloseError{Code: client.StatusAbnormalClosure}, *ce, "what the page sees")
	cs := wstest.CloseSeen(t, id)
	assert.Equal(t, 1002, cs.ClientCloseCode, "what the server gets")
	assert.Equal(t, "Invalid UTF-8 in text frame", cs.ClientCloseReason)
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	for _, tt := range []struct{ url, want, shown string }{
		{"ftp://127.0.0.1/echo", `scheme "ftp"`, "ftp://127.0.0.1/echo"},
		{"ws:///echo", "no host", "ws:///echo"},
		{"ws://127.0.0.1/echo#frag", "no fragment", "ws://127.0.0.1/echo#REDACTED"},
	} {
		_, err := client.Dial(ctx, tt.url, nil)
		require.Error(t, err, tt.url)
		assert.Contains(t, err.Error(), tt.want, tt.url)
		assert.Contains(t, err.Error(), tt.shown, "the error names the URL")
	}
	for _, tt := range []struct{ path, shown string }{
		{"/reject?status=403", "/reject?status=REDACTED"},
		{"/reject?status=503&retry_after=1", "/reject?status=REDACTED&retry_after=REDACTED"},
		{"/reject?status=302&location=/echo", "/reject?status=REDACTED&location=REDACTED"},
	} {
		_, err := client.Dial(ctx, wstest.URL(t, tt.path), nil)
		var de *client.DialError
		require.ErrorAs(t, err, &de, tt.path)
		assert.Contains(t, err.Error(), tt.shown)
	}

	// http:// means ws://.
	c, err := client.Dial(ctx, wstest.HTTPURL(t, "/echo"), nil)
	require.NoError(t, err)
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
}

// withUser returns url with user info added after its scheme.
func withUser(url, userinfo string) string {
	scheme, rest, _ := strings.Cut(url, "://")
	return scheme + "://" + userinfo + "@" + rest
}

// onePrefix checks that err's text has one prefix, on both platforms:
// client's, or "websocket: " for an error of the vocabulary client shares
// with package wasm (a *CloseError, a *DialError), but never wasm's.
func onePrefix(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	msg := err.Error()
	assert.Equal(t, 1, strings.Count(msg, "client: ")+strings.Count(msg, "websocket: "), "prefixes in %q", msg)
	assert.NotContains(t, msg, "wasm:", "prefixes in %q", msg)
}

// TestDialErrorsHideCredentials: no dial error's text holds the URL's
// password, query values or fragment, whatever failed; a *DialError holds
// the URL whole; and each error has one prefix: "websocket: dial" for a
// *DialError, "client: dial" for the others.
func TestDialErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	const secret = "S3CR3T"
	for _, tt := range []struct {
		name, url string
		dialError bool   // a *DialError, with the URL whole
		shown     string // what the text shows of the URL
	}{
		{"refused", withUser(wstest.URL(t, "/reject?status=403&token=S3CR3T"), "user:S3CR3T"), true,
			"ws://REDACTED@127.0.0.1:"},
		{"redirect", withUser(wstest.URL(t, "/reject?status=302&location=/echo%3Ftoken%3DS3CR3T"), "user:S3CR3T"), true,
			"/reject?status=REDACTED&location=REDACTED"},
		{"nobody listening", "ws://user:S3CR3T@127.0.0.1:1/x?token=S3CR3T", true,
			"ws://REDACTED@127.0.0.1:1/x?token=REDACTED"},
		{"scheme", "ftp://user:S3CR3T@127.0.0.1/x?token=S3CR3T", false,
			"ftp://REDACTED@127.0.0.1/x?token=REDACTED"},
		{"fragment", withUser(wstest.URL(t, "/echo?token=S3CR3T#S3CR3T"), "user:S3CR3T"), false,
			"/echo?token=REDACTED#REDACTED"},
		{"password with a slash", "ws://user:S3/CR3T@127.0.0.1/x?token=S3CR3T", false,
			"ws://REDACTED@127.0.0.1/x?token=REDACTED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Dial(ctx, tt.url, nil)
			require.Error(t, err)
			msg := err.Error()
			assert.NotContains(t, msg, secret, "the error's text")
			assert.NotContains(t, msg, "S3/CR3T", "the error's text")
			assert.Contains(t, msg, tt.shown, "the error names the URL")
			onePrefix(t, err)
			if !tt.dialError {
				assert.True(t, strings.HasPrefix(msg, "client: dial "), "%q", msg)
			} else {
				assert.True(t, strings.HasPrefix(msg, "websocket: dial "), "%q", msg)
				var de *client.DialError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, tt.url, de.URL, "DialError.URL: whole")
			}
		})
	}
}

func TestContexts(t *testing.T) {
	t.Parallel()
	// Dial.
	_, err := client.Dial(ctxFor(t, 100*time.Millisecond), wstest.URL(t, "/hang"), nil)
	require.ErrorIs(t, err, context.DeadlineExceeded, "dial: ctx")
	var de *client.DialError
	require.ErrorAs(t, err, &de)
	_, err = client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/hang"), &client.Options{HandshakeTimeout: 100 * time.Millisecond})
	require.ErrorIs(t, err, context.DeadlineExceeded, "dial: handshake timeout")

	// Read: the connection stays usable.
	c := dial(t, "/echo", nil)
	_, _, err = c.Read(ctxFor(t, 30*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("after the timeout")))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "after the timeout", string(p))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = c.Read(cancelled)
	require.ErrorIs(t, err, context.Canceled, "read")
	_, _, err = c.Reader(cancelled)
	require.ErrorIs(t, err, context.Canceled, "reader")

	// Write with a context already done sends nothing.
	err = c.Write(cancelled, client.MessageText, []byte("never"))
	require.ErrorIs(t, err, context.Canceled, "write")

	// Close against a server that never answers.
	c = dial(t, "/silent", nil)
	start := time.Now()
	err = c.CloseContext(ctxFor(t, 200*time.Millisecond), client.StatusNormalClosure, "anyone?")
	require.ErrorIs(t, err, context.DeadlineExceeded, "close")
	assert.Less(t, time.Since(start), 3*time.Second, "close returns at its bound")
	c = dial(t, "/silent", &client.Options{CloseTimeout: 100 * time.Millisecond})
	require.ErrorIs(t, c.Close(client.StatusNormalClosure, ""), context.DeadlineExceeded, "Options.CloseTimeout")
}

func TestClosed(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	ctx := ctxFor(t, 10*time.Second)
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the Read start waiting
	require.NoError(t, c.Close(client.StatusNormalClosure, "done"))
	require.ErrorIs(t, <-readErr, net.ErrClosed, "a Read waiting during Close")

	require.ErrorIs(t, c.Close(client.StatusNormalClosure, ""), net.ErrClosed, "Close twice")
	require.ErrorIs(t, c.CloseNow(), net.ErrClosed, "CloseNow after Close")
	require.ErrorIs(t, c.Write(ctx, client.MessageText, []byte("x")), net.ErrClosed, "Write after Close")
	_, err := c.Writer(ctx, client.MessageBinary)
	require.ErrorIs(t, err, net.ErrClosed, "Writer after Close")
	_, _, err = c.Read(ctx)
	require.ErrorIs(t, err, net.ErrClosed, "Read after Close")
	_, _, err = c.Reader(ctx)
	require.ErrorIs(t, err, net.ErrClosed, "Reader after Close")

	c = dial(t, "/echo", nil)
	require.NoError(t, c.CloseNow())
	_, _, err = c.Read(ctx)
	require.ErrorIs(t, err, net.ErrClosed, "Read after CloseNow")

	err = c.Write(ctx, 0, []byte("x"))
	require.Error(t, err, "message type 0")
	assert.Contains(t, err.Error(), "not a message type")
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", &client.Options{ReadLimit: 1 << 20})
	ctx := ctxFor(t, 30*time.Second)
	const writers, each = 100, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := append(pattern(1000+w*97+i, byte(w)), byte(w), byte(i))
				if err := c.Write(ctx, client.MessageBinary, p); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	next := make([]int, writers)
	for range writers * each {
		_, p, err := c.Read(ctx)
		require.NoError(t, err)
		w, i := int(p[len(p)-2]), int(p[len(p)-1])
		require.Equal(t, next[w], i, "writer %d's order", w)
		next[w]++
		require.True(t, bytes.Equal(append(pattern(1000+w*97+i, byte(w)), byte(w), byte(i)), p), "message intact")
	}
	wg.Wait()
}

// TestReadTimeoutDoesNotClose is the promise coder/websocket does not keep
// natively (its browser build does): a Read whose ctx ends leaves the
// connection usable, and the message that arrives after is the next
// Read's.
func TestReadTimeoutDoesNotClose(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_, _, err := c.Read(ctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, "round %d", i)
	}
	ctx := ctxFor(t, 5*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("still here")))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "still here", string(p))
}

// TestServerCloseWhileNotReading: control frames are answered while the
// program does not read, as in browsers.
func TestServerCloseWhileNotReading(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/echo?id="+id, nil)
	require.Equal(t, 1, wstest.Kick(t, id, 4002, "kicked"))
	// Nobody reads, yet the closing handshake completes.
	require.Eventually(t, func() bool { return wstest.Stats(t, id).Open == 0 }, 5*time.Second, 10*time.Millisecond)
	_, _, err := c.Read(ctxFor(t, time.Second))
	assert.Equal(t, client.StatusCode(4002), client.CloseStatus(err))
}

// TestCloseWhileReading: Close while another goroutine waits in Read
// completes the closing handshake (the server answers), and the Read
// returns an error with net.ErrClosed, every time.
func TestCloseWhileReading(t *testing.T) {
	t.Parallel()
	url := wstest.URL(t, "/echo")
	for i := range 500 { // the race it guards against came about once in 300
		c, err := client.Dial(ctxFor(t, 10*time.Second), url, nil)
		require.NoError(t, err)
		read := make(chan error, 1)
		go func() {
			_, _, err := c.Read(context.Background())
			read <- err
		}()
		if i%2 == 0 {
			time.Sleep(time.Millisecond) // the Read waits by now, or it is about to
		}
		require.NoError(t, c.Close(client.StatusNormalClosure, ""), "run %d", i)
		require.ErrorIs(t, <-read, net.ErrClosed, "run %d: the Read", i)
	}
}

// TestExtensions: Extensions reports what the server answered: on both
// platforms the permessage-deflate it negotiated (natively asked for by
// Options.Compression; Chrome offers it on its own), and "" when the
// server accepts no extension.
func TestExtensions(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c := dial(t, "/echo?compress=nocontext&id="+id, &client.Options{Compression: client.CompressionNoContextTakeover})
	ext := c.Extensions()
	assert.Contains(t, ext, "permessage-deflate")
	assert.Equal(t, wstest.Stats(t, id).Conns[0].Extensions, ext, "what the server answered")
	ctx := ctxFor(t, 10*time.Second)
	msg := strings.Repeat("compress me ", 1000)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte(msg)))
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, msg, string(p), "the echo, compressed both ways")

	c = dial(t, "/echo", &client.Options{Compression: client.CompressionNoContextTakeover})
	assert.Equal(t, "", c.Extensions(), "the server accepts none")
}

// TestTransport: Transport reports the browser API in use, the one
// TransportPreferStream chose too; natively there is only the one.
func TestTransport(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	assert.Equal(t, client.TransportWebSocket, c.Transport(), "the zero Options")
	c = dial(t, "/echo", &client.Options{Transport: client.TransportPreferStream})
	assert.Equal(t, preferredTransport, c.Transport(), "TransportPreferStream")
	c = dial(t, "/echo", &client.Options{Transport: client.TransportPreferStream, BinaryType: client.Blob})
	assert.Equal(t, client.TransportWebSocket, c.Transport(), "TransportPreferStream with Blob")
}

// TestBufferedAmount: in browsers, the bytes a server that does not read
// leaves unsent, bounded by SendHighWater; natively always 0, since Write
// returns once the message is written to the network (and a Write whose
// ctx ends while the network holds it fails the connection).
func TestBufferedAmount(t *testing.T) {
	t.Parallel()
	const high, low, size = 256 << 10, 64 << 10, 64 << 10
	c := dial(t, "/slow?delay=1h", &client.Options{SendHighWater: high, SendLowWater: low, CloseTimeout: 100 * time.Millisecond})
	assert.Equal(t, int64(0), c.BufferedAmount(), "nothing written yet")
	msg := pattern(size, 9)
	var err error
	for written := 0; written < 1<<30 && err == nil; written += size {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err = c.Write(ctx, client.MessageBinary, msg)
		cancel()
		require.LessOrEqual(t, c.BufferedAmount(), int64(high+size), "buffered after a write")
	}
	require.ErrorIs(t, err, context.DeadlineExceeded, "a write waits once the server stops reading")
	if bufferedAmountHeld {
		assert.GreaterOrEqual(t, c.BufferedAmount(), int64(low), "still buffered")
	} else {
		assert.Equal(t, int64(0), c.BufferedAmount(), "natively")
	}
}

// TestCloseTimeoutSays: a closing handshake the server never answers
// ends Close with one error, the same on both platforms: "client: close:
// the closing handshake did not finish", with the ctx's error in its
// chain, whether the bound is CloseContext's ctx, Options.CloseTimeout
// (Close, or CloseContext with a ctx that has no deadline), and with
// ErrInvalidCloseCode beside it for a code no client may send. Before,
// natively CloseContext with no deadline waited coder/websocket's own
// 5 s and said nothing of a ctx, and in the browser the error was
// package wasm's.
func TestCloseTimeoutSays(t *testing.T) {
	t.Parallel()
	const want = "client: close: the closing handshake did not finish: context deadline exceeded"
	for name, tt := range map[string]struct {
		close   func(c *client.Conn) error
		invalid bool
	}{
		"CloseContext": {close: func(c *client.Conn) error {
			return c.CloseContext(ctxFor(t, 300*time.Millisecond), client.StatusNormalClosure, "anyone?")
		}},
		"Close": {close: func(c *client.Conn) error { return c.Close(client.StatusNormalClosure, "anyone?") }},
		"CloseContext without a deadline": {close: func(c *client.Conn) error {
			return c.CloseContext(context.Background(), client.StatusNormalClosure, "anyone?")
		}},
		"an invalid code": {close: func(c *client.Conn) error {
			return c.CloseContext(ctxFor(t, 300*time.Millisecond), 999, "anyone?")
		}, invalid: true},
	} {
		c := dial(t, "/silent", &client.Options{CloseTimeout: 300 * time.Millisecond})
		err := tt.close(c)
		require.ErrorIs(t, err, context.DeadlineExceeded, name)
		if !tt.invalid {
			assert.EqualError(t, err, want, name)
			continue
		}
		require.ErrorIs(t, err, client.ErrInvalidCloseCode, name)
		assert.Equal(t, "client: close: code 999 is not a close code a client may send; closed with 4011\n"+want, err.Error(), name)
	}
}
