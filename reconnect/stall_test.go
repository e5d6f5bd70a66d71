package reconnect_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// stallPath is a server that sends "ok1", then a frame that announces
// 1000 bytes, sends 10 of them, and goes silent with TCP open.
const stallPath = "/stall?size=1000&send=10&ok=1"

// TestStall: a server that stalls in the middle of a message holds no
// wait of the Conn: the heartbeat finds the dead link and redials, and
// CloseNow returns at once.
func TestStall(t *testing.T) {
	t.Parallel()
	t.Run("heartbeat", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, stallPath+"&id="+id, &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{
				Interval: 50 * time.Millisecond,
				Timeout:  100 * time.Millisecond,
				Ping:     func() (client.MessageType, []byte) { return client.MessageText, []byte("ping") },
			},
		})
		_, p, err := c.Read(ctxFor(t, 10*time.Second))
		require.NoError(t, err)
		require.Equal(t, "ok1", string(p))
		e := rec.wait(t, reconnect.Waiting)
		require.Error(t, e.Err, "the stalled link, found dead")
		t.Logf("found dead: %v", e.Err)
		rec.wait(t, reconnect.Connected)
		assert.GreaterOrEqual(t, wstest.Stats(t, id).Handshakes, int64(2), "redialled")
		_, p, err = c.Read(ctxFor(t, 10*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "ok1", string(p), "the next connection's first message")
		closeBounded(t, c)
	})
	for _, how := range []string{"CloseNow", "Close"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			c, _ := dial(t, stallPath, nil)
			// Once "ok1" is read, the stalled frame is what comes next.
			_, p, err := c.Read(ctxFor(t, 10*time.Second))
			require.NoError(t, err)
			require.Equal(t, "ok1", string(p))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, _, err = c.Read(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded, "a Read while the message stalls")
			done := make(chan error, 1)
			go func() {
				if how == "Close" {
					// The server never answers the close frame: Close
					// waits for it as long as Options.Dial.CloseTimeout.
					done <- c.Close(client.StatusNormalClosure, "")
				} else {
					done <- c.CloseNow()
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s did not return in 10 s", how)
			}
			_, _, err = c.Read(ctxFor(t, time.Second))
			require.ErrorIs(t, err, net.ErrClosed)
		})
	}
}

// TestSilentServer: a server that never reads holds a Write only until
// its ctx ends.
func TestSilentServer(t *testing.T) {
	t.Parallel()
	c, _ := dial(t, "/silent", nil)
	big := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Write(ctx, client.MessageBinary, big)
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded, "the Write that the server's silence holds")
			break
		}
		// Written (into the network's buffers): go on until one waits.
		require.False(t, time.Now().After(deadline), "every Write returned at once for 10 s")
	}
	closeBounded(t, c)
}
