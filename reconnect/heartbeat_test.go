package reconnect_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// pingPong is a heartbeat that /echo answers: its pings come back, and
// IsPong counts them.
func pingPong(interval, timeout time.Duration, pongs *atomic.Int64) *reconnect.Heartbeat {
	return &reconnect.Heartbeat{
		Interval: interval, Timeout: timeout,
		Ping: func() (client.MessageType, []byte) { return client.MessageText, []byte("ping") },
		IsPong: func(_ client.MessageType, p []byte) bool {
			if string(p) == "ping" {
				pongs.Add(1)
				return true
			}
			return false
		},
	}
}

// TestHeartbeatRTT: each ping's round trip is measured, the last and a
// smoothed one, on the Conn and in the events that follow.
func TestHeartbeatRTT(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	var pongs atomic.Int64
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Heartbeat: pingPong(10*time.Millisecond, 5*time.Second, &pongs)})
	last, smoothed := c.RTT()
	assert.Zero(t, last, "before any ping")
	assert.Zero(t, smoothed, "before any ping")
	ctx := ctxFor(t, 10*time.Second)
	for pongs.Load() < 3 {
		_, _, err := c.Read(ctxFor(t, 20*time.Millisecond))
		require.Error(t, err, "no message but pongs")
		require.NoError(t, ctx.Err())
	}
	last, smoothed = c.RTT()
	t.Logf("after %d pongs: RTT %v, smoothed %v", pongs.Load(), last, smoothed)
	assert.Positive(t, last)
	assert.Positive(t, smoothed)
	assert.Less(t, last, 5*time.Second)

	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	e := rec.wait(t, reconnect.Waiting)
	assert.Positive(t, e.RTT, "the lost connection's")
	assert.Positive(t, e.SmoothedRTT, "the lost connection's")
	e = rec.wait(t, reconnect.Connected)
	assert.Zero(t, e.RTT, "a new connection's")
}
