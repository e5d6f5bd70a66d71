//go:build !js

package reconnect_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/netfault"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// These tests put a TCP proxy (internal/netfault) between the Conn and
// the harness, on loopback, for the faults a server cannot make by
// itself: a network that is gone, and one that silently drops everything.

// proxy starts a proxy to the harness and returns it with the ws:// URL
// of path through it.
func proxy(t *testing.T, path string) (*netfault.Proxy, string) {
	t.Helper()
	u, err := url.Parse(wstest.URL(t, "/"))
	require.NoError(t, err)
	p, err := netfault.Listen(u.Host)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p, "ws://" + p.Addr() + path
}

// TestNetworkDown: the path to the server goes away (connections cut,
// new ones refused) and comes back: the Conn redials through the refusals
// and goes on.
func TestNetworkDown(t *testing.T) {
	t.Parallel()
	p, u := proxy(t, "/echo")
	rec := newRecorder()
	c, err := reconnect.Dial(ctxFor(t, 10*time.Second), u, &reconnect.Options{Backoff: fast, OnState: rec.on})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	echo(t, c, "before")

	p.Stop()
	rec.wait(t, reconnect.Waiting) // the connection, lost
	for range 3 {
		e := rec.wait(t, reconnect.Waiting) // a dial, refused
		var de *client.DialError
		require.ErrorAs(t, e.Err, &de)
		assert.Zero(t, de.StatusCode, "no HTTP answer: %v", e.Err)
	}
	require.NoError(t, c.Write(ctxFor(t, time.Second), client.MessageText, []byte("queued while down")))
	require.NoError(t, p.Start())
	rec.wait(t, reconnect.Connected)
	ctx := ctxFor(t, 5*time.Second)
	_, got, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "queued while down", string(got))
	echo(t, c, "after")
}

// TestBlackhole: a connection through which nothing passes any more, in
// either direction, while TCP stays up, as behind a dead NAT: only the
// heartbeat finds it.
func TestBlackhole(t *testing.T) {
	t.Parallel()
	p, u := proxy(t, "/echo")
	rec := newRecorder()
	c, err := reconnect.Dial(ctxFor(t, 10*time.Second), u, &reconnect.Options{
		Backoff: fast,
		OnState: rec.on,
		Heartbeat: &reconnect.Heartbeat{
			Interval: 100 * time.Millisecond,
			Timeout:  200 * time.Millisecond,
			Ping:     func() (client.MessageType, []byte) { return client.MessageText, []byte("ping") },
			IsPong:   func(_ client.MessageType, p []byte) bool { return string(p) == "ping" },
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	echo(t, c, "before")

	p.Blackhole(true)
	start := time.Now()
	e := rec.wait(t, reconnect.Waiting)
	require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
	t.Logf("found dead after %v", time.Since(start).Round(time.Millisecond))
	p.Blackhole(false)
	rec.wait(t, reconnect.Connected)
	echo(t, c, "after")
}
