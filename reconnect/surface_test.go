package reconnect_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestTooBigIsNotFinal: one message too big ends its connection, not the
// Conn, with the defaults: one received over the read limit (a 40 KB
// chat line against the default 32 KiB), and one sent over the server's
// (which closes with 1009); neither is sent again.
func TestTooBigIsNotFinal(t *testing.T) {
	t.Parallel()
	t.Run("received", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, nil)
		ctx := ctxFor(t, 10*time.Second)
		require.NoError(t, c.Write(ctx, client.MessageText, []byte(strings.Repeat("a", 40_000))))
		e := rec.wait(t, reconnect.Waiting)
		require.ErrorIs(t, e.Err, client.ErrMessageTooBig)
		rec.wait(t, reconnect.Connected)
		echo(t, c, "small")
		assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)
	})
	t.Run("sent", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?limit=1000&id="+id, nil)
		ctx := ctxFor(t, 10*time.Second)
		require.NoError(t, c.Write(ctx, client.MessageBinary, make([]byte, 2000)))
		e := rec.wait(t, reconnect.Waiting)
		assert.Equal(t, client.StatusMessageTooBig, client.CloseStatus(e.Err), "the loss: %v", e.Err)
		rec.wait(t, reconnect.Connected)
		echo(t, c, "small")
		assert.Equal(t, int64(1), wstest.Stats(t, id).MessagesReceived, "the big one not sent again")
	})
}

// TestSetReadLimit: SetReadLimit holds for the open connection and every
// later one.
func TestSetReadLimit(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, nil)
	ctx := ctxFor(t, 10*time.Second)
	c.SetReadLimit(100)
	echo(t, c, strings.Repeat("a", 100))
	for range 2 { // on this connection, then on the next
		require.NoError(t, c.Write(ctx, client.MessageText, []byte(strings.Repeat("b", 101))))
		e := rec.wait(t, reconnect.Waiting)
		require.ErrorIs(t, e.Err, client.ErrMessageTooBig)
		rec.wait(t, reconnect.Connected)
	}
	c.SetReadLimit(1000)
	echo(t, c, strings.Repeat("c", 1000))
	assert.Equal(t, int64(3), wstest.Stats(t, id).Handshakes)
}

// TestSurface: CloseContext, Reader, Writer and Current, as
// client.Conn's.
func TestSurface(t *testing.T) {
	t.Parallel()
	t.Run("CloseContext", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, _ := dial(t, "/echo?id="+id, nil)
		require.NoError(t, c.CloseContext(ctxFor(t, 5*time.Second), client.StatusNormalClosure, "bye"))
		cs := wstest.CloseSeen(t, id)
		assert.Equal(t, 1000, cs.ClientCloseCode)
		assert.Equal(t, "bye", cs.ClientCloseReason)
		require.ErrorIs(t, c.CloseContext(ctxFor(t, time.Second), client.StatusNormalClosure, ""), net.ErrClosed, "twice")

		// A server that never answers: CloseContext returns at its ctx.
		s, _ := dial(t, "/silent", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, s.CloseContext(ctx, client.StatusNormalClosure, ""), context.DeadlineExceeded)
		_, _, err := s.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, net.ErrClosed)
	})
	t.Run("Reader and Writer", func(t *testing.T) {
		t.Parallel()
		c, _ := dial(t, "/echo", nil)
		ctx := ctxFor(t, 10*time.Second)
		w, err := c.Writer(ctx, client.MessageText)
		require.NoError(t, err)
		for _, s := range []string{"he", "llo"} {
			_, err := io.WriteString(w, s)
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		require.ErrorIs(t, w.Close(), net.ErrClosed)
		_, err = w.Write([]byte("x"))
		require.ErrorIs(t, err, net.ErrClosed)
		typ, r, err := c.Reader(ctx)
		require.NoError(t, err)
		assert.Equal(t, client.MessageText, typ)
		p, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(p))

		w, err = c.Writer(ctx, client.MessageText)
		require.NoError(t, err)
		_, _ = w.Write([]byte{0xff})
		require.ErrorIs(t, w.Close(), client.ErrInvalidUTF8)
		_, err = c.Writer(ctx, 0)
		require.Error(t, err, "no such type")
	})
	t.Run("Current", func(t *testing.T) {
		t.Parallel()
		c, rec, id, release := held(t, &reconnect.Options{Dial: client.Options{Subprotocols: []string{"cur.v1"}}})
		cc := c.Current()
		require.NotNil(t, cc)
		assert.Equal(t, "cur.v1", cc.Subprotocol())
		assert.Zero(t, cc.BufferedAmount())
		cut(t, rec, id)
		assert.Nil(t, c.Current(), "no connection")
		release()
		rec.wait(t, reconnect.Connected)
		require.NotNil(t, c.Current())
		assert.NotSame(t, cc, c.Current(), "the new connection")
		var buf bytes.Buffer
		buf.WriteString("via Current")
		require.NoError(t, c.Current().Write(ctxFor(t, 5*time.Second), client.MessageText, buf.Bytes()))
		_, p, err := c.Read(ctxFor(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "via Current", string(p))
	})
}
