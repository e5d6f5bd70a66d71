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

// TestNew: New returns a Conn before any connection, which dials in the
// background: what is written meanwhile is queued and delivered once the
// server is up.
func TestNew(t *testing.T) {
	t.Parallel()
	t.Run("server down", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		release := make(chan struct{})
		rec := newRecorder()
		// The server refuses the first 2 handshakes; Endpoint holds the
		// first dial until the test has written, so the writes come
		// while there is no connection.
		c, err := reconnect.New("", &reconnect.Options{
			Backoff: fast,
			OnState: rec.on,
			Endpoint: func(ctx context.Context) (string, *client.Options, error) {
				select {
				case <-release:
				case <-ctx.Done():
					return "", nil, ctx.Err()
				}
				return wstest.URL(t, "/echo?fail=2&id="+id), nil, nil
			},
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		assert.Equal(t, reconnect.Connecting, c.State(), "before any connection")
		ctx := ctxFor(t, 10*time.Second)
		for _, m := range []string{"one", "two"} {
			require.NoError(t, c.Write(ctx, client.MessageText, []byte(m)), "queued")
		}
		assert.Equal(t, 2, reconnect.QueueLen(c))
		close(release)
		for _, m := range []string{"one", "two"} {
			_, p, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, m, string(p))
		}
		e := rec.wait(t, reconnect.Connected)
		assert.Equal(t, 0, e.Failures)
		st := wstest.Stats(t, id)
		assert.Equal(t, int64(2), st.Refused, "refused")
		assert.Equal(t, int64(1), st.Handshakes, "handshakes")
		var waits []int
		for _, e := range rec.seen() {
			if e.State == reconnect.Waiting {
				waits = append(waits, e.Failures)
			}
		}
		assert.Equal(t, []int{1, 2}, waits, "the failures before the first connection")
	})
	t.Run("gives up", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder()
		c, err := reconnect.New(wstest.URL(t, "/reject?status=403"), &reconnect.Options{Backoff: fast, GiveUpAfter: 2, OnState: rec.on})
		require.NoError(t, err)
		e := rec.wait(t, reconnect.Closed)
		require.ErrorIs(t, e.Err, reconnect.ErrGaveUp)
		<-c.Done()
		_, _, err = c.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, c.Write(ctxFor(t, time.Second), client.MessageText, nil), net.ErrClosed)
		assert.Equal(t, reconnect.Closed, c.State())
	})
	t.Run("Close before connected", func(t *testing.T) {
		t.Parallel()
		c, err := reconnect.New(wstest.URL(t, "/hang"), nil)
		require.NoError(t, err)
		require.NoError(t, c.Write(ctxFor(t, time.Second), client.MessageText, []byte("never")))
		err = c.Close(client.StatusNormalClosure, "")
		require.ErrorIs(t, err, reconnect.ErrUnsent)
		assert.Contains(t, err.Error(), "1 queued message")
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done not closed after Close")
		}
	})
	t.Run("bad options", func(t *testing.T) {
		t.Parallel()
		_, err := reconnect.New(wstest.URL(t, "/echo"), &reconnect.Options{Heartbeat: &reconnect.Heartbeat{}})
		require.ErrorContains(t, err, "reconnect: new ")
		require.ErrorContains(t, err, "Heartbeat.Interval")
	})
}
