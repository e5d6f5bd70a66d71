//go:build !js

package client_test

import (
	"context"
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
	"github.com/duplex-go/duplex/internal/wstest"
)

// afterSent runs send 300 times on a connection to a server that echoes
// each message and says when it has it whole; the ctx given to send is
// cancelled at that moment, by another goroutine, as a program cancels
// it on the peer's answer. Each send must succeed, and the connection
// stay open: the echo comes back.
func afterSent(t *testing.T, send func(ctx context.Context, c *client.Conn, p []byte) error) {
	got := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			typ, p, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			got <- struct{}{}
			if err := ws.Write(context.Background(), typ, p); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()

	for i := range 300 {
		wctx, wcancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-got: // the server has it: the answer's moment
				wcancel()
			case <-ctx.Done():
			}
		}()
		err := send(wctx, c, []byte{byte(i)})
		wcancel()
		require.NoError(t, err, "message %d: the server had it whole", i)
		_, p, err := c.Read(ctx)
		require.NoError(t, err, "message %d: the connection is still open", i)
		require.Equal(t, []byte{byte(i)}, p)
	}
}

// TestWriteCtxEndsAfterSent: a ctx that ends once its message has gone
// out whole leaves the connection open. (coder/websocket watches a
// write's ctx until after its flush, and closed the connection if the ctx
// ended in between, after a Write that returned nil.)
func TestWriteCtxEndsAfterSent(t *testing.T) {
	afterSent(t, func(ctx context.Context, c *client.Conn, p []byte) error {
		return c.Write(ctx, client.MessageBinary, p)
	})
}

// TestWriterCtxEndsAfterSent: the same for a Writer, whose ctx ends once
// Close has sent the message's last frame.
func TestWriterCtxEndsAfterSent(t *testing.T) {
	afterSent(t, func(ctx context.Context, c *client.Conn, p []byte) error {
		w, err := c.Writer(ctx, client.MessageBinary)
		if err != nil {
			return err
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
		return w.Close()
	})
}

// TestWriteCtxEndsMidMessage: a ctx that ends while the network holds
// the message (a server that does not read) fails the connection: a
// frame half written cannot be taken back. Later calls say it is closed.
func TestWriteCtxEndsMidMessage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, wstest.URL(t, "/slow?delay=1h"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	msg := make([]byte, 1<<20)
	for err == nil {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err = c.Write(short, client.MessageBinary, msg)
		cancel()
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, net.ErrClosed)
	assert.Contains(t, err.Error(), "half written")
	require.ErrorIs(t, c.Write(ctx, client.MessageBinary, []byte("after")), net.ErrClosed)
	_, _, err = c.Read(ctx)
	require.ErrorIs(t, err, net.ErrClosed)
}
