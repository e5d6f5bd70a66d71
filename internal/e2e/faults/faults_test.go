//go:build !js

package faults_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const fast = reconnect.Constant(10 * time.Millisecond)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// recorder keeps a Conn's events and lets a test wait for one.
type recorder struct {
	mu     sync.Mutex
	states []reconnect.State
	ch     chan reconnect.Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan reconnect.Event, 1024)} }

func (r *recorder) on(e reconnect.Event) {
	r.mu.Lock()
	r.states = append(r.states, e.State)
	r.mu.Unlock()
	r.ch <- e
}

// wait returns the next event in state s, skipping others.
func (r *recorder) wait(t *testing.T, s reconnect.State) reconnect.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.ch:
			if e.State == s {
				return e
			}
		case <-timeout:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("no %v event in 10 s; states so far: %v", s, r.states)
		}
	}
}

func echo(t *testing.T, c *reconnect.Conn, msg string) {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte(msg)), "write %q", msg)
	_, p, err := c.Read(ctx)
	require.NoError(t, err, "read the echo of %q", msg)
	assert.Equal(t, msg, string(p))
}

// proxy starts a toxiproxy to the harness and returns it with the ws://
// URL of path through it.
func proxy(t *testing.T, path string) (*toxiproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(wstest.URL(t, "/"))
	require.NoError(t, err)
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, t.Name(), "127.0.0.1:0", u.Host)
	require.NoError(t, p.Start())
	t.Cleanup(p.Stop)
	return p, "ws://" + p.Listen + path
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

	for _, stream := range []string{"upstream", "downstream"} {
		_, err := p.Toxics.AddToxicJson(strings.NewReader(
			`{"name":"hole-` + stream + `","type":"timeout","stream":"` + stream + `","attributes":{"timeout":0}}`))
		require.NoError(t, err)
	}
	start := time.Now()
	e := rec.wait(t, reconnect.Waiting)
	require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
	t.Logf("found dead after %v", time.Since(start).Round(time.Millisecond))
	for _, stream := range []string{"upstream", "downstream"} {
		require.NoError(t, p.Toxics.RemoveToxic(t.Context(), "hole-"+stream))
	}
	rec.wait(t, reconnect.Connected)
	echo(t, c, "after")
}
