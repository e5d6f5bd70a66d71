//go:build !js

package echo_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/examples/echo"
	"github.com/duplex-go/duplex/examples/echo/echoserver"
	"github.com/duplex-go/duplex/examples/internal/netfault"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/reconnect"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestEcho: text comes back as text, and a binary message of several
// MiB byte for byte.
func TestEcho(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(echoserver.Handler(stop, t.TempDir()))
	defer srv.Close()
	defer cancel()
	c := echo.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/echo", nil)
	defer c.Close()

	back, err := c.Echo(ctx, echo.Text("héllo"))
	require.NoError(t, err)
	assert.Equal(t, echo.Text("héllo"), back.Message)

	data := make([]byte, 5<<20)
	for i := range data {
		data[i] = byte(rand.Uint32())
	}
	back, err = c.Echo(ctx, echo.Binary(data))
	require.NoError(t, err)
	assert.True(t, back.Binary, "binary")
	assert.True(t, bytes.Equal(data, back.Data), "the same bytes")
	assert.Zero(t, back.Buffered, "natively nothing waits once Write returns")
	assert.Positive(t, back.Took)
	assert.Equal(t, status.Connected, c.Status().State)

	_, err = c.Echo(ctx, echo.Binary(make([]byte, echo.MaxMessage+1)))
	require.ErrorIs(t, err, echo.ErrTooBig)
	assert.EqualError(t, err, "echo: the message is too large: 16.0 MiB, at most 16.0 MiB")
	assert.Equal(t, "the message is too large: 16.0 MiB, at most 16.0 MiB", status.Explain(err), "for a person")
	_, err = c.Echo(ctx, echo.Text("still here"))
	require.NoError(t, err, "nothing was sent: the connection is still open")
}

// TestServerGone: while the server is down Echo fails at once, and the
// status says why; once it is back, Echo works again.
func TestServerGone(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	stop, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(echoserver.Handler(stop, t.TempDir()))
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
	c := echo.Dial(url, &echo.Options{Backoff: reconnect.Constant(time.Hour)})
	defer c.Close()
	_, err := c.Echo(ctx, echo.Text("one"))
	require.NoError(t, err)

	cancel() // closes with 1001
	srv.Close()
	st := c.Status()
	for st.State != status.Reconnecting {
		select {
		case <-c.Changed():
			st = c.Status()
		case <-ctx.Done():
			t.Fatalf("no reconnecting: %v", c.Status())
		}
	}
	// 1001 is not a failure: the redial comes within reconnect's
	// RestartWindow (1 s), not after the backoff's hour.
	assert.Regexp(t, `^reconnecting in [01] s, attempt 1: the server went away \(1001: server stopping\)$`, st.Text(time.Now()))
	_, err = c.Echo(ctx, echo.Text("two"))
	require.ErrorIs(t, err, echo.ErrNotConnected)
	assert.EqualError(t, err, "echo: not connected: nothing was sent")
}

// TestSilentLink: the link dies without a word (nothing passes either
// way, and TCP stays up): the heartbeat keeps an idle connection up,
// finds the dead one, says so and dials again; once the link is back,
// Echo works again.
func TestSilentLink(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(echoserver.Handler(stop, t.TempDir()))
	defer srv.Close()
	defer cancel()
	link := netfault.New(t, strings.TrimPrefix(srv.URL, "http://"))
	const every = 300 * time.Millisecond // a pong later than this on loopback, under -race on a busy machine, would be taken for a dead link
	c := echo.Dial("ws://"+link.Addr+"/echo", &echo.Options{Backoff: reconnect.Constant(50 * time.Millisecond), Heartbeat: every})
	defer c.Close()
	_, err := c.Echo(ctx, echo.Text("one"))
	require.NoError(t, err)

	// Idle for three heartbeats' worth of silence, each ping answered in
	// time: never anything but connected.
	idle := time.After(3 * 2 * every)
	for waiting := true; waiting; {
		select {
		case <-c.Changed():
			require.Equal(t, status.Connected, c.Status().State, "an idle, healthy connection stays up")
		case <-idle:
			waiting = false
		}
	}
	assert.Equal(t, status.Connected, c.Status().State)
	assert.Zero(t, c.Status().Attempt, "on the first connection")

	link.Hold()
	st := c.Status()
	for st.State == status.Connected {
		select {
		case <-c.Changed():
			st = c.Status()
		case <-ctx.Done():
			t.Fatalf("the dead link was not found: %v", c.Status())
		}
	}
	assert.ErrorIs(t, st.Err, reconnect.ErrHeartbeatTimeout)
	assert.Equal(t, "the server stopped answering", status.Explain(st.Err))
	link.Release()
	for c.Status().State != status.Connected {
		select {
		case <-c.Changed():
		case <-ctx.Done():
			t.Fatalf("no reconnection: %v", c.Status())
		}
	}
	back, err := c.Echo(ctx, echo.Text("two"))
	require.NoError(t, err)
	assert.Equal(t, echo.Text("two"), back.Message)
}
