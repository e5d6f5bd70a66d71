package codec_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
	"github.com/duplex-go/duplex/internal/wstest"
)

// dial opens path on the harness and closes it when the test ends.
func dial(t *testing.T, path string, o *client.Options) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), o)
	require.NoError(t, err, "dial %s", path)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// pipe returns a Pipe whose ends close when the test ends.
func pipe(t *testing.T) (*codec.PipeConn, *codec.PipeConn) {
	a, b := codec.Pipe()
	t.Cleanup(func() { _ = a.Close() })
	return a, b
}

// sendReceive sends each value through a Conn on one end of mc's
// connection and receives it through a Conn on the other.
func sendReceive[T any](t *testing.T, tx, rx codec.MessageConn, cd codec.Codec[T], vs ...T) {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	out, in := codec.NewConn(tx, cd), codec.NewConn(rx, cd)
	for i, v := range vs {
		require.NoError(t, out.Send(ctx, v), "send %d", i)
		got, err := in.Receive(ctx)
		require.NoError(t, err, "receive %d", i)
		assert.Equal(t, v, got, "value %d", i)
	}
}

// bigQuote has a 64 KiB text.
var bigQuote = Quote{Symbol: strings.Repeat("x", 64<<10), Price: 1}

func TestConn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// conn returns the two ends of a connection.
		conn func(t *testing.T) (codec.MessageConn, codec.MessageConn)
	}{
		{"pipe", func(t *testing.T) (codec.MessageConn, codec.MessageConn) { return pipe(t) }},
		{"echo", func(t *testing.T) (codec.MessageConn, codec.MessageConn) {
			c := dial(t, "/echo", &client.Options{ReadLimit: 1 << 20})
			return c, c
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := tt.conn(t)
			sendReceive(t, a, b, codec.JSON[Quote]{}, quote, Quote{}, bigQuote)
			sendReceive(t, a, b, cbor.Codec[Quote]{}, quote, Quote{}, bigQuote)
			sendReceive(t, a, b, codec.Marshaler[Point, *Point]{}, Point{1, 2}, Point{-1, 0})
			sendReceive(t, a, b, codec.Marshaler[Label, *Label]{}, Label{"a"}, Label{""})
			sendReceive(t, a, b, codec.Text{}, "héllo", "", strings.Repeat("✓", 30000))
			sendReceive(t, a, b, codec.Bytes{}, []byte{0, 1}, []byte{}, bytes.Repeat([]byte{1, 2, 3}, 30000))
		})
	}
}

// checkDecodeError checks that err is a *DecodeError for the message typ,
// p, with want in its chain (nil: any cause).
func checkDecodeError(t *testing.T, err error, typ client.MessageType, p []byte, want error) {
	t.Helper()
	de, ok := errors.AsType[*codec.DecodeError](err)
	require.True(t, ok, "a *codec.DecodeError: got %v", err)
	assert.Equal(t, typ, de.Type, "the message's type")
	assert.Equal(t, p, de.Data, "the message's bytes")
	require.Error(t, de.Err, "the cause")
	if want != nil {
		require.ErrorIs(t, err, want)
	}
}

// TestDecodeErrorKeepsConnOpen is package codec's promise (unlike
// coder/websocket's wsjson, which closes the connection) over a real
// WebSocket: a message that does not decode is an error for that message,
// and the next Receive reads the next one.
func TestDecodeErrorKeepsConnOpen(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	ctx := ctxFor(t, 10*time.Second)
	quotes := codec.NewConn(c, codec.JSON[Quote]{})
	points := codec.NewConn(c, cbor.Codec[Point]{})

	for _, tt := range []struct {
		name string
		typ  client.MessageType
		p    []byte
		want error
		rx   func() error
	}{
		{"not JSON", client.MessageText, []byte("not json"), nil, func() error { _, err := quotes.Receive(ctx); return err }},
		{"JSON of the wrong shape", client.MessageText, []byte(`{"price":"high"}`), nil, func() error { _, err := quotes.Receive(ctx); return err }},
		{"JSON too deep", client.MessageText, []byte(strings.Repeat("[", 100)), codec.ErrTooDeep, func() error { _, err := quotes.Receive(ctx); return err }},
		{"binary for JSON", client.MessageBinary, []byte{1, 2}, codec.ErrMessageType, func() error { _, err := quotes.Receive(ctx); return err }},
		{"not CBOR", client.MessageBinary, []byte{0xff}, nil, func() error { _, err := points.Receive(ctx); return err }},
		{"text for CBOR", client.MessageText, []byte("{}"), codec.ErrMessageType, func() error { _, err := points.Receive(ctx); return err }},
	} {
		require.NoError(t, c.Write(ctx, tt.typ, tt.p), tt.name)
		checkDecodeError(t, tt.rx(), tt.typ, tt.p, tt.want)

		// The connection is still open: the next message arrives.
		require.NoError(t, quotes.Send(ctx, quote), "%s: send after", tt.name)
		got, err := quotes.Receive(ctx)
		require.NoError(t, err, "%s: receive after", tt.name)
		assert.Equal(t, quote, got, "%s: the next message", tt.name)
	}
}

func TestConnReceiveTimeout(t *testing.T) {
	t.Parallel()
	a, b := pipe(t)
	in := codec.NewConn(b, codec.JSON[Quote]{})
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := in.Receive(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// An encoding error sends nothing; the next Send goes through.
	out := codec.NewConn(a, codec.Marshaler[Label, *Label]{})
	require.ErrorContains(t, out.Send(ctxFor(t, time.Second), Label{Text: strings.Repeat("x", 300)}), "codec: send:")
	require.NoError(t, out.Send(ctxFor(t, time.Second), Label{Text: "ok"}))
	labels := codec.NewConn(b, codec.Marshaler[Label, *Label]{})
	got, err := labels.Receive(ctxFor(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, Label{Text: "ok"}, got, "the first message that was sent")

	// Closing one end: the other reads how it closed.
	require.NoError(t, a.Close())
	_, err = in.Receive(ctxFor(t, time.Second))
	require.ErrorIs(t, err, net.ErrClosed)
	assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err), "the peer's close")
	require.ErrorIs(t, codec.NewConn(a, codec.Text{}).Send(ctxFor(t, time.Second), "late"), net.ErrClosed)
}
