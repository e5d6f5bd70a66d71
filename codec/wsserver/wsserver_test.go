//go:build !js

package wsserver_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

type Add struct{ A, B int }
type Sum struct{ Sum int }
type Chat struct{ Text string }

// server is a Go server whose Router, on a wsserver.Conn, answers "add"
// calls and takes "chat" messages.
type server struct {
	url   string
	chats chan Chat  // what "chat" got
	errs  chan error // what OnError got
	ran   chan error // what Run returned, once per connection
}

func newServer(t *testing.T) *server {
	s := &server{chats: make(chan Chat, 10), errs: make(chan error, 10), ran: make(chan error, 10)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsserver.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer c.CloseNow()
		router := codec.NewRouter(c, &codec.RouterOptions{
			OnError: func(_ context.Context, err error) { s.errs <- err },
		})
		codec.HandleCall(router, "add", func(_ context.Context, a Add) (Sum, error) {
			return Sum{a.A + a.B}, nil
		})
		codec.Handle(router, "chat", func(_ context.Context, m Chat) error {
			s.chats <- m
			return nil
		})
		s.ran <- router.Run(r.Context())
	}))
	t.Cleanup(hs.Close)
	s.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	return s
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// dial connects a duplex client to s, with a Router running on it.
func dial(t *testing.T, s *server) (*client.Conn, *codec.Router) {
	t.Helper()
	c, err := client.Dial(ctxFor(t, 10*time.Second), s.url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	r := codec.NewRouter(c, nil)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(context.Background()) }()
	t.Cleanup(func() { _ = c.CloseNow(); <-done })
	return c, r
}

// TestRouterCall: a duplex client calls a Go server whose Router runs on
// a wsserver.Conn, and sends it a message of another kind.
func TestRouterCall(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	_, r := dial(t, s)
	sum, err := codec.Call[Add, Sum](ctxFor(t, 10*time.Second), r, "add", Add{A: 1, B: 2})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Sum, "the server's answer")
	require.NoError(t, codec.NewKind[Chat]("chat").Send(ctxFor(t, 10*time.Second), r, Chat{Text: "hi"}))
	assert.Equal(t, "hi", wait(t, s.chats, "the chat").Text)
}

// TestWrongType: a binary message, or JSON that is not the kind's type,
// is an error for that message only; the server's connection stays open.
func TestWrongType(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c, r := dial(t, s)
	ctx := ctxFor(t, 10*time.Second)

	require.NoError(t, c.Write(ctx, client.MessageBinary, []byte(`{"type":"chat","data":{"Text":"hi"}}`)))
	err := wait(t, s.errs, "the error of a binary message")
	require.ErrorIs(t, err, codec.ErrMessageType)
	de, ok := errors.AsType[*codec.DecodeError](err)
	require.True(t, ok, "a *codec.DecodeError: %v", err)
	assert.Equal(t, client.MessageBinary, de.Type)

	require.NoError(t, c.Write(ctx, client.MessageText, []byte(`{"type":"chat","data":{"Text":7}}`)))
	err = wait(t, s.errs, "the error of a chat whose text is a number")
	_, ok = errors.AsType[*codec.DecodeError](err)
	require.True(t, ok, "a *codec.DecodeError: %v", err)

	_, err = codec.Call[Add, Sum](ctx, r, "add", Add{A: 2, B: 2})
	require.NoError(t, err, "the connection is still open")
}

// TestTooBig: a message over the server's read limit (coder/websocket's
// 32 KiB) ends the connection: the server's Run returns
// client.ErrMessageTooBig, after sending 1009, and the client's calls fail.
func TestTooBig(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c, r := dial(t, s)
	ctx := ctxFor(t, 10*time.Second)
	big := `{"type":"chat","data":{"Text":"` + strings.Repeat("x", 40<<10) + `"}}`
	// The server may close before the whole message is written: the
	// Write may fail, or it may not.
	_ = c.Write(ctx, client.MessageText, []byte(big))

	err := wait(t, s.ran, "the server's Run")
	require.ErrorIs(t, err, client.ErrMessageTooBig)
	require.ErrorIs(t, err, websocket.ErrMessageTooBig, "coder/websocket's error, kept")

	_, err = codec.Call[Add, Sum](ctx, r, "add", Add{A: 1, B: 1})
	// The client's connection is closed: by the server's 1009, or by a
	// TCP reset under it while the client still wrote.
	require.ErrorIs(t, err, net.ErrClosed)
}

// TestPeerClose: the client's close code and reason reach the server as
// a *client.CloseError, as they would reach a client.
func TestPeerClose(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c, _ := dial(t, s)
	require.NoError(t, c.Close(4000, "bye"))
	err := wait(t, s.ran, "the server's Run")
	ce, ok := errors.AsType[*client.CloseError](err)
	require.True(t, ok, "a *client.CloseError: %v", err)
	assert.Equal(t, client.StatusCode(4000), ce.Code)
	assert.Equal(t, "bye", ce.Reason)
	require.ErrorIs(t, err, net.ErrClosed)
}

// TestInvalidUTF8: text that is not UTF-8 (which a duplex client never
// sends; coder/websocket's does) closes the connection with 1007.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := ctxFor(t, 10*time.Second)
	ws, _, err := websocket.Dial(ctx, s.url, nil)
	require.NoError(t, err)
	defer ws.CloseNow()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte{'"', 0xff, '"'}))
	_, _, err = ws.Read(ctx) // answers the close, which the server waits for
	assert.Equal(t, websocket.StatusInvalidFramePayloadData, websocket.CloseStatus(err), "the peer's close code: %v", err)
	err = wait(t, s.ran, "the server's Run")
	require.ErrorIs(t, err, client.ErrInvalidUTF8)
}

// TestWrite: what Write refuses before sending anything.
func TestWrite(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	got := make(chan error, 2)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsserver.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		got <- c.Write(ctx, client.MessageText, []byte{0xff})
		got <- c.Write(ctx, client.MessageType(9), []byte("x"))
		_ = c.Close(client.StatusNormalClosure, "")
	}))
	t.Cleanup(hs.Close)
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.ErrorIs(t, wait(t, got, "the text write"), client.ErrInvalidUTF8)
	require.ErrorContains(t, wait(t, got, "the write of type 9"), "not a message type")
	_, _, err = c.Read(ctx)
	assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err), "nothing was sent before the close: %v", err)
}
