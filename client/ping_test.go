package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
)

// TestPing: natively a ping frame is answered by the peer's WebSocket
// layer, while nobody reads; a peer that does not answer leaves Ping
// waiting until its ctx, and the connection usable. Browsers send no
// ping frame: ErrUnsupported.
func TestPing(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", nil)
	err := c.Ping(ctxFor(t, 5*time.Second))
	if !pingFrames {
		require.ErrorIs(t, err, client.ErrUnsupported)
		return
	}
	require.NoError(t, err, "the pong, with no Read")
	ctx := ctxFor(t, 5*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("after")))
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, c.Ping(short), context.DeadlineExceeded, "the pong behind an echo nobody has read")
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "after", string(p))
	require.NoError(t, c.Ping(ctx), "once it is read")

	silent := dial(t, "/silent", nil)
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, silent.Ping(short), context.DeadlineExceeded, "no pong")
	require.NoError(t, silent.Write(ctx, client.MessageText, []byte("still usable")))

	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
	require.Error(t, c.Ping(ctx), "after Close")
}
