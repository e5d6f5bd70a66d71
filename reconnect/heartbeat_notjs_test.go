//go:build !js

package reconnect_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestHeartbeatFrames: natively Heartbeat.Frames pings with RFC 6455
// ping frames, which every WebSocket server answers: /echo, to which the
// test sends nothing, so that it sends no message either, stays alive
// and its round trip is measured; the message heartbeat, with nothing to
// send, takes the same server for dead; and /silent, which answers no
// ping, is dead.
func TestHeartbeatFrames(t *testing.T) {
	t.Parallel()
	t.Run("answered", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{Interval: 10 * time.Millisecond, Timeout: 5 * time.Second, Frames: true},
		})
		// A Read that returns nothing, across several pings.
		_, _, err := c.Read(ctxFor(t, 300*time.Millisecond))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		last, smoothed := c.RTT()
		t.Logf("RTT %v, smoothed %v", last, smoothed)
		assert.Positive(t, last)
		assert.Positive(t, smoothed)
		assert.NotContains(t, rec.states(), reconnect.Waiting, "alive")
		assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
		assert.Equal(t, int64(0), wstest.Stats(t, id).MessagesReceived, "no ping message")
		echo(t, c, "still here")
	})
	t.Run("messages", func(t *testing.T) {
		t.Parallel()
		_, rec := dial(t, "/echo", &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond},
		})
		e := rec.wait(t, reconnect.Waiting)
		require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
	})
	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		_, rec := dial(t, "/silent", &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond, Frames: true},
		})
		e := rec.wait(t, reconnect.Waiting)
		require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
		assert.Contains(t, e.Err.Error(), "no message within the heartbeat timeout")
	})
}
