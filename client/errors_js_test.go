//go:build js && wasm

package client_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/wasm"
)

// TestWasmErrorKinds: package wasm's errors are told apart with package
// client's names, as TestErrorKinds does for client's and reconnect's:
// one set of types and sentinels, declared once.
func TestWasmErrorKinds(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	wdial := func(t *testing.T, path string, o *wasm.Options) *wasm.Conn {
		t.Helper()
		c, err := wasm.Dial(ctx, wstest.URL(t, path), o)
		require.NoError(t, err, "dial %s", path)
		t.Cleanup(func() { _ = c.CloseNow() })
		return c
	}
	for _, tt := range []struct {
		from string
		make func(t *testing.T) error
		kind errorKind
	}{
		{"wasm: a server's close", func(t *testing.T) error {
			_, _, err := wdial(t, "/close?code=4000&reason=bye", nil).Read(ctx)
			return err
		}, closeErrorKind(4000, "bye")},
		{"wasm: a refused handshake", func(t *testing.T) error {
			_, err := wasm.Dial(ctx, wstest.URL(t, "/reject?status=403"), nil)
			return err
		}, dialErrorKind(0)},
		{"wasm: a message over the read limit", func(t *testing.T) error {
			c := wdial(t, "/echo", &wasm.Options{ReadLimit: 16})
			require.NoError(t, c.Write(ctx, wasm.MessageBinary, make([]byte, 100)))
			_, _, err := c.Read(ctx)
			return err
		}, isKind("ErrMessageTooBig", client.ErrMessageTooBig, net.ErrClosed)},
		{"wasm: a full receive queue", func(t *testing.T) error {
			c := wdial(t, "/flood?n=3000&size=1024", &wasm.Options{ReadLimit: 4096, ReceiveQueueLimit: 64 << 10})
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return err
				}
			}
		}, isKind("ErrReceiveQueueFull", client.ErrReceiveQueueFull, net.ErrClosed)},
		{"wasm: text that is not UTF-8", func(t *testing.T) error {
			return wdial(t, "/echo", nil).Write(ctx, wasm.MessageText, []byte{0xff})
		}, isKind("ErrInvalidUTF8", client.ErrInvalidUTF8)},
		{"wasm: a close code no client may send", func(t *testing.T) error {
			return wdial(t, "/echo", nil).CloseContext(ctx, 999, "")
		}, isKind("ErrInvalidCloseCode", client.ErrInvalidCloseCode)},
		{"wasm: WebSocketStream with Blob", func(t *testing.T) error {
			_, err := wasm.Dial(ctx, wstest.URL(t, "/echo"), &wasm.Options{Transport: wasm.TransportStream, BinaryType: wasm.Blob})
			return err
		}, isKind("ErrUnsupported", client.ErrUnsupported)},
		{"client: a header in a browser", func(t *testing.T) error {
			_, err := client.Dial(ctx, wstest.URL(t, "/echo"), &client.Options{Header: map[string][]string{"X": {"y"}}})
			return err
		}, isKind("ErrUnsupported", client.ErrUnsupported)},
		{"wasm: a write after Close", func(t *testing.T) error {
			c := wdial(t, "/echo", nil)
			require.NoError(t, c.CloseContext(ctx, wasm.StatusNormalClosure, ""))
			return c.Write(ctx, wasm.MessageText, []byte("late"))
		}, isKind("net.ErrClosed", net.ErrClosed, wasm.ErrClosed)},
	} {
		err := tt.make(t)
		require.Error(t, err, tt.from)
		tt.kind.check(t, err, tt.from)
	}
}
