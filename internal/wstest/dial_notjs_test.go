//go:build !js

package wstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// conn is a minimal WebSocket client for these tests, on coder/websocket.
type conn struct{ c *websocket.Conn }

func dial(t *testing.T, url string) *conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &conn{c}
}

func (c *conn) write(binary bool, p []byte) error {
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.c.Write(ctx, typ, p)
}

func (c *conn) read() (bool, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, p, err := c.c.Read(ctx)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return false, nil, closeError{int(ce.Code), ce.Reason}
	}
	return typ == websocket.MessageBinary, p, err
}
