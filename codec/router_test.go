package codec_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
	"github.com/duplex-go/duplex/internal/wstest"
)

type Chat struct {
	Text string `json:"text"`
}

type Add struct {
	A int `json:"a"`
	B int `json:"b"`
}

type Sum struct {
	Sum int `json:"sum"`
}

var chat = codec.NewKind[Chat]("chat")

// peer is a Router running on its own goroutine until the test ends,
// with what it passed to OnError.
type peer struct {
	*codec.Router
	errs chan error
}

// run starts r.Run and stops it when the test ends.
func run(t *testing.T, r *codec.Router) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its ctx ended")
		}
	})
}

// newPeer returns a running Router on mc whose OnError errors go to
// peer.errs.
func newPeer(t *testing.T, mc codec.MessageConn, f codec.Format, setup func(r *codec.Router)) *peer {
	p := &peer{errs: make(chan error, 100)}
	p.Router = codec.NewRouter(mc, &codec.RouterOptions{
		Format:  f,
		OnError: func(_ context.Context, err error) { p.errs <- err },
	})
	if setup != nil {
		setup(p.Router)
	}
	run(t, p.Router)
	return p
}

// nextError returns the next error the peer's OnError got.
func (p *peer) nextError(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.errs:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("no error reported to OnError")
		return nil
	}
}

// noError checks that OnError got nothing.
func (p *peer) noError(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.errs:
		t.Errorf("OnError got %v", err)
	default:
	}
}

var formats = []struct {
	name string
	f    codec.Format
}{{"JSON", codec.JSONFormat{}}, {"CBOR", cbor.Format{}}}

// serve registers the handlers of the tests' server side on r; chats
// gets the chat messages.
func serve(r *codec.Router, chats chan<- Chat) {
	codec.Handle(r, "chat", func(ctx context.Context, m Chat) error {
		if m.Text == "fail" {
			return errors.New("chat failed")
		}
		select {
		case chats <- m:
		case <-ctx.Done():
		}
		return nil
	})
	codec.HandleCall(r, "add", func(_ context.Context, a Add) (Sum, error) {
		switch {
		case a.A < 0:
			return Sum{}, &codec.RemoteError{Code: "negative", Message: fmt.Sprintf("%d is negative", a.A)}
		case a.B < 0:
			return Sum{}, fmt.Errorf("%d is negative", a.B)
		}
		return Sum{a.A + a.B}, nil
	})
}

func TestRouter(t *testing.T) {
	t.Parallel()
	for _, ff := range formats {
		t.Run(ff.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 10*time.Second)
			a, b := pipe(t)
			chats := make(chan Chat, 10)
			caller := newPeer(t, a, ff.f, nil)
			server := newPeer(t, b, ff.f, func(r *codec.Router) { serve(r, chats) })

			t.Run("message", func(t *testing.T) {
				require.NoError(t, chat.Send(ctx, caller.Router, Chat{Text: "hi"}))
				assert.Equal(t, Chat{Text: "hi"}, <-chats)
			})
			t.Run("call", func(t *testing.T) {
				sum, err := codec.Call[Add, Sum](ctx, caller.Router, "add", Add{A: 1, B: 2})
				require.NoError(t, err)
				assert.Equal(t, Sum{3}, sum)
			})
			t.Run("remote error with a code", func(t *testing.T) {
				_, err := codec.Call[Add, Sum](ctx, caller.Router, "add", Add{A: -1})
				re, ok := errors.AsType[*codec.RemoteError](err)
				require.True(t, ok, "a *RemoteError: %v", err)
				assert.Equal(t, codec.RemoteError{Code: "negative", Message: "-1 is negative"}, *re)
				assert.ErrorContains(t, err, `codec: call "add": codec: peer answered: negative: -1 is negative`)
			})
			t.Run("remote error", func(t *testing.T) {
				_, err := codec.Call[Add, Sum](ctx, caller.Router, "add", Add{B: -2})
				re, ok := errors.AsType[*codec.RemoteError](err)
				require.True(t, ok, "a *RemoteError: %v", err)
				assert.Equal(t, codec.RemoteError{Message: "-2 is negative"}, *re)
			})
			t.Run("call a message kind: an ack", func(t *testing.T) {
				_, err := codec.Call[Chat, struct{}](ctx, caller.Router, "chat", Chat{Text: "ack me"})
				require.NoError(t, err)
				assert.Equal(t, Chat{Text: "ack me"}, <-chats, "handled before the ack")
				_, err = codec.Call[Chat, struct{}](ctx, caller.Router, "chat", Chat{Text: "fail"})
				require.ErrorContains(t, err, "peer answered: chat failed")
			})
			t.Run("handler error of a message", func(t *testing.T) {
				require.NoError(t, chat.Send(ctx, caller.Router, Chat{Text: "fail"}))
				require.ErrorContains(t, server.nextError(t), `codec: handler of "chat": chat failed`)
			})
			t.Run("unknown kind", func(t *testing.T) {
				require.NoError(t, codec.NewKind[int]("nope").Send(ctx, caller.Router, 7))
				err := server.nextError(t)
				require.ErrorIs(t, err, codec.ErrUnknownKind)
				de, ok := errors.AsType[*codec.DecodeError](err)
				require.True(t, ok, "a *DecodeError: %v", err)
				assert.Equal(t, "nope", de.Kind, "the kind")
				assert.Equal(t, ff.f.MessageType(), de.Type, "the message type")
				assert.NotEmpty(t, de.Data, "the message")

				_, err = codec.Call[int, int](ctx, caller.Router, "nope", 7)
				re, ok := errors.AsType[*codec.RemoteError](err)
				require.True(t, ok, "a *RemoteError: %v", err)
				assert.Equal(t, codec.CodeUnknownKind, re.Code)
				require.ErrorIs(t, server.nextError(t), codec.ErrUnknownKind, "the call is reported too")
			})
			t.Run("data that does not decode", func(t *testing.T) {
				require.NoError(t, codec.NewKind[string]("add").Send(ctx, caller.Router, "one"))
				de, ok := errors.AsType[*codec.DecodeError](server.nextError(t))
				require.True(t, ok, "a *DecodeError")
				assert.Equal(t, "add", de.Kind)

				_, err := codec.Call[string, Sum](ctx, caller.Router, "add", "one")
				re, ok := errors.AsType[*codec.RemoteError](err)
				require.True(t, ok, "a *RemoteError: %v", err)
				assert.Equal(t, codec.CodeBadRequest, re.Code)
				_, ok = errors.AsType[*codec.DecodeError](server.nextError(t))
				require.True(t, ok, "reported as a *DecodeError")
			})
			t.Run("reply that does not decode", func(t *testing.T) {
				_, err := codec.Call[Add, string](ctx, caller.Router, "add", Add{1, 1})
				de, ok := errors.AsType[*codec.DecodeError](err)
				require.True(t, ok, "a *DecodeError: %v", err)
				assert.Equal(t, "add", de.Kind)
				assert.NotEmpty(t, de.Data, "the reply")
			})
			t.Run("concurrent calls", func(t *testing.T) {
				var wg sync.WaitGroup
				for i := range 50 {
					wg.Go(func() {
						sum, err := codec.Call[Add, Sum](ctx, caller.Router, "add", Add{A: i, B: 1000})
						if assert.NoError(t, err, "call %d", i) {
							assert.Equal(t, i+1000, sum.Sum, "call %d's own reply", i)
						}
					})
				}
				wg.Wait()
			})
			t.Run("still open", func(t *testing.T) {
				sum, err := codec.Call[Add, Sum](ctx, caller.Router, "add", Add{A: 2, B: 2})
				require.NoError(t, err)
				assert.Equal(t, Sum{4}, sum)
				caller.noError(t)
				server.noError(t)
			})
		})
	}
}

// TestEnvelope checks the wire format against what JSONFormat and
// CBORFormat document, from the other end of a pipe.
func TestEnvelope(t *testing.T) {
	t.Parallel()
	diag := func(t *testing.T, p []byte) string {
		s, err := fxcbor.Diagnose(p)
		require.NoError(t, err)
		return s
	}
	for _, tt := range []struct {
		name      string
		f         codec.Format
		show      func(t *testing.T, p []byte) string
		message   string
		call      string
		reply     func() []byte
		errReply  func() []byte
		wantSum   int
		remoteErr string
	}{
		{
			name: "JSON", f: codec.JSONFormat{},
			show:     func(_ *testing.T, p []byte) string { return string(p) },
			message:  `{"type":"chat","data":{"text":"hi \"you\""}}`,
			call:     `{"type":"add","id":1,"data":{"a":1,"b":2}}`,
			reply:    func() []byte { return []byte(`{"id":1,"data":{"sum":3}}`) },
			errReply: func() []byte { return []byte(`{"id":2,"error":{"code":"x","message":"no"}}`) },
			wantSum:  3, remoteErr: "peer answered: x: no",
		},
		{
			name: "CBOR", f: cbor.Format{},
			show:    diag,
			message: `{"type": "chat", "data": {"text": "hi \"you\""}}`,
			call:    `{"type": "add", "id": 1, "data": {"a": 1, "b": 2}}`,
			reply:   func() []byte { return mustCBOR(t, map[string]any{"id": 1, "data": map[string]int{"sum": 3}}) },
			errReply: func() []byte {
				return mustCBOR(t, map[string]any{"id": 2, "error": map[string]string{"message": "no", "code": "x"}})
			},
			wantSum: 3, remoteErr: "peer answered: x: no",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 10*time.Second)
			a, b := pipe(t)
			r := newPeer(t, a, tt.f, nil)

			require.NoError(t, chat.Send(ctx, r.Router, Chat{Text: `hi "you"`}))
			typ, p, err := b.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.f.MessageType(), typ)
			assert.Equal(t, tt.message, tt.show(t, p), "a message")

			type res struct {
				sum Sum
				err error
			}
			done := make(chan res, 1)
			go func() {
				sum, err := codec.Call[Add, Sum](ctx, r.Router, "add", Add{1, 2})
				done <- res{sum, err}
			}()
			_, p, err = b.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.call, tt.show(t, p), "a call")
			require.NoError(t, b.Write(ctx, typ, tt.reply()))
			got := <-done
			require.NoError(t, got.err)
			assert.Equal(t, tt.wantSum, got.sum.Sum, "the reply's data")

			go func() {
				sum, err := codec.Call[Add, Sum](ctx, r.Router, "add", Add{1, 2})
				done <- res{sum, err}
			}()
			_, _, err = b.Read(ctx)
			require.NoError(t, err)
			require.NoError(t, b.Write(ctx, typ, tt.errReply()))
			got = <-done
			require.ErrorContains(t, got.err, tt.remoteErr)
			r.noError(t)
		})
	}
}

// TestBadEnvelopes writes what no Router sends: each is reported as a
// *DecodeError with the message, and the Router goes on.
func TestBadEnvelopes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		f    codec.Format
		typ  client.MessageType
		p    []byte
		want error
		text string
	}{
		{"not JSON", codec.JSONFormat{}, client.MessageText, []byte("hello"), nil, "invalid character"},
		{"JSON not an object", codec.JSONFormat{}, client.MessageText, []byte("[1]"), nil, "cannot unmarshal array"},
		{"binary for JSON", codec.JSONFormat{}, client.MessageBinary, []byte("{}"), codec.ErrMessageType, ""},
		{"JSON no type, no id", codec.JSONFormat{}, client.MessageText, []byte(`{"data":1}`), nil, "neither a type nor an id"},
		{"JSON type and error", codec.JSONFormat{}, client.MessageText, []byte(`{"type":"chat","error":{"message":"x"}}`), nil, "a type and an error"},
		{"JSON negative id", codec.JSONFormat{}, client.MessageText, []byte(`{"type":"chat","id":-1}`), nil, "cannot unmarshal number"},
		{"JSON reply never asked", codec.JSONFormat{}, client.MessageText, []byte(`{"id":99,"data":1}`), nil, "never made"},
		{"JSON too deep", codec.JSONFormat{}, client.MessageText, []byte(`{"type":"chat","data":` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + `}`), codec.ErrTooDeep, ""},
		{"JSON unknown kind", codec.JSONFormat{}, client.MessageText, []byte(`{"type":"nope"}`), codec.ErrUnknownKind, ""},
		{"not CBOR", cbor.Format{}, client.MessageBinary, []byte{0xff}, nil, "codec: cbor"},
		{"text for CBOR", cbor.Format{}, client.MessageText, []byte("{}"), codec.ErrMessageType, ""},
		{"CBOR too deep", cbor.Format{}, client.MessageBinary, append(append([]byte{0xa1, 0x64}, "data"...), cborNestN(65)...), codec.ErrTooDeep, ""},
		{"CBOR type not text", cbor.Format{}, client.MessageBinary, []byte{0xa1, 0x64, 't', 'y', 'p', 'e', 0x01}, nil, "cannot unmarshal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 10*time.Second)
			a, b := pipe(t)
			chats := make(chan Chat, 1)
			r := newPeer(t, a, tt.f, func(r *codec.Router) { serve(r, chats) })
			require.NoError(t, b.Write(ctx, tt.typ, tt.p))
			err := r.nextError(t)
			checkDecodeError(t, err, tt.typ, tt.p, tt.want)
			if tt.text != "" {
				require.ErrorContains(t, err, tt.text)
			}

			// The Router goes on.
			peer := newPeer(t, b, tt.f, nil)
			require.NoError(t, chat.Send(ctx, peer.Router, Chat{Text: "next"}))
			assert.Equal(t, Chat{Text: "next"}, <-chats, "the next message")
		})
	}
}

func cborNestN(n int) []byte {
	return append([]byte(strings.Repeat("\x81", n)), 0)
}

// TestRunWithoutOnError: Run returns a message's error, and a second Run
// goes on with the next message.
func TestRunWithoutOnError(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	a, b := pipe(t)
	r := codec.NewRouter(a, nil)
	chats := make(chan Chat, 1)
	serve(r, chats)
	require.NoError(t, b.Write(ctx, client.MessageText, []byte(`{"type":"nope"}`)))
	require.NoError(t, b.Write(ctx, client.MessageText, []byte(`{"type":"chat","data":{"text":"after"}}`)))
	require.ErrorIs(t, r.Run(ctx), codec.ErrUnknownKind)
	run(t, r)
	assert.Equal(t, Chat{Text: "after"}, <-chats)
}

func TestCallContext(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	a, b := pipe(t)
	release := make(chan struct{})
	caller := newPeer(t, a, nil, nil)
	newPeer(t, b, nil, func(r *codec.Router) {
		codec.HandleCall(r, "slow", func(ctx context.Context, n int) (int, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return n, nil
		})
	})

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := codec.Call[int, int](short, caller.Router, "slow", 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// The late reply is discarded, not reported, and calls go on.
	close(release)
	n, err := codec.Call[int, int](ctx, caller.Router, "slow", 2)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	caller.noError(t)
}

func TestCallConnLost(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	a, b := pipe(t)
	r := codec.NewRouter(a, nil)
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx) }()

	type res struct{ err error }
	calls := make(chan res, 2)
	go func() {
		_, err := codec.Call[int, int](ctx, r, "never", 1)
		calls <- res{err}
	}()
	go func() {
		_, err := codec.Call[int, int](ctx, r, "never", 2, codec.Idempotent())
		calls <- res{err}
	}()
	for range 2 { // both calls are out
		_, _, err := b.Read(ctx)
		require.NoError(t, err)
	}
	require.NoError(t, b.Close())

	for range 2 { // idempotent or not: a plain MessageConn has no next connection
		err := (<-calls).err
		require.ErrorIs(t, err, codec.ErrConnLost)
		require.ErrorIs(t, err, net.ErrClosed, "the Read error is in the chain")
		assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err), "how the peer closed")
	}
	require.ErrorIs(t, <-ran, net.ErrClosed, "Run returns the Read error")

	_, err := codec.Call[int, int](ctx, r, "never", 3)
	require.ErrorIs(t, err, codec.ErrConnLost, "a call after the loss fails at once")
	require.ErrorIs(t, r.Run(ctx), codec.ErrConnLost, "and so does Run")
}

func TestCallInHandler(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	a, b := pipe(t)
	got := make(chan error, 1)
	newPeer(t, a, nil, func(r *codec.Router) {
		codec.Handle(r, "chat", func(ctx context.Context, _ Chat) error {
			sub, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err := codec.Call[int, int](sub, r, "add", 1)
			got <- err
			return nil
		})
	})
	require.NoError(t, chat.Send(ctx, newPeer(t, b, nil, nil).Router, Chat{}))
	require.ErrorIs(t, <-got, codec.ErrCallInHandler)
}

func TestRouterMistakes(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	a, _ := pipe(t)
	r := codec.NewRouter(a, nil)
	codec.Handle(r, "", func(context.Context, int) error { return nil })
	codec.Handle(r, "x", func(context.Context, int) error { return nil })
	codec.HandleCall(r, "x", func(context.Context, int) (int, error) { return 0, nil })
	err := r.Run(ctx)
	require.ErrorIs(t, err, codec.ErrBadKind)
	require.ErrorContains(t, err, `kind "x" has two handlers`)

	require.ErrorIs(t, codec.NewKind[int]("").Send(ctx, r, 1), codec.ErrBadKind)
	_, err = codec.Call[int, int](ctx, r, "\xff", 1)
	require.ErrorIs(t, err, codec.ErrBadKind)

	// A second Run while one runs: here while a handler holds it.
	a, b := pipe(t)
	r = codec.NewRouter(a, nil)
	inHandler, release := make(chan struct{}), make(chan struct{})
	codec.Handle(r, "chat", func(context.Context, Chat) error {
		close(inHandler)
		<-release
		return nil
	})
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx) }()
	require.NoError(t, b.Write(ctx, client.MessageText, []byte(`{"type":"chat"}`)))
	<-inHandler
	require.ErrorContains(t, r.Run(ctx), "already running")

	// A mistake made while Run runs ends it at the next message.
	codec.Handle(r, "chat", func(context.Context, Chat) error { return nil })
	close(release)
	require.NoError(t, b.Write(ctx, client.MessageText, []byte(`{"type":"chat"}`)))
	require.ErrorContains(t, <-ran, `kind "chat" has two handlers`)
	require.ErrorContains(t, r.Run(ctx), `kind "chat" has two handlers`, "and every Run after")
}

// TestRouterEcho routes over a real WebSocket to the harness's echo: a
// message comes back to its own handler, and a call comes back as a call,
// which the same Router answers; the answer comes back as the reply.
func TestRouterEcho(t *testing.T) {
	t.Parallel()
	for _, ff := range formats {
		t.Run(ff.name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c := dial(t, "/echo?id="+id, nil)
			ctx := ctxFor(t, 10*time.Second)
			chats := make(chan Chat, 1)
			r := newPeer(t, c, ff.f, func(r *codec.Router) { serve(r, chats) })

			require.NoError(t, chat.Send(ctx, r.Router, Chat{Text: "echo"}))
			assert.Equal(t, Chat{Text: "echo"}, <-chats)

			sum, err := codec.Call[Add, Sum](ctx, r.Router, "add", Add{A: 20, B: 22})
			require.NoError(t, err)
			assert.Equal(t, Sum{42}, sum)

			_, err = codec.Call[Add, Sum](ctx, r.Router, "add", Add{A: -1})
			require.ErrorContains(t, err, "-1 is negative", "an error reply, echoed")
			r.noError(t)

			// The harness saw the message, two calls and two replies.
			assert.Equal(t, int64(5), wstest.Stats(t, id).MessagesReceived, "messages the harness got")
		})
	}
}

// TestCallDrop: a call pending when the server cuts the connection fails
// with ErrConnLost, over a real WebSocket.
func TestCallDrop(t *testing.T) {
	t.Parallel()
	c := dial(t, "/silent?hold=300ms", nil)
	ctx := ctxFor(t, 10*time.Second)
	r := codec.NewRouter(c, nil)
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx) }()
	_, err := codec.Call[Add, Sum](ctx, r, "add", Add{1, 2})
	require.ErrorIs(t, err, codec.ErrConnLost)
	assert.Equal(t, client.StatusAbnormalClosure, client.CloseStatus(err), "cut without a close frame")
	require.ErrorIs(t, <-ran, net.ErrClosed)
}
