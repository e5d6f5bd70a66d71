package reconnect_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestEndpoint: Options.Endpoint is asked before every dial, so each
// attempt presents a fresh credential; the harness's token= accepts a
// token once, as a server refuses an expired one.
func TestEndpoint(t *testing.T) {
	t.Parallel()
	t.Run("fresh token per attempt", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		var calls atomic.Int64
		rec := newRecorder()
		c, err := reconnect.Dial(ctxFor(t, 10*time.Second), "", &reconnect.Options{
			Backoff: fast,
			OnState: rec.on,
			Endpoint: func(ctx context.Context) (string, *client.Options, error) {
				if _, ok := ctx.Deadline(); !ok {
					return "", nil, errors.New("no deadline on Endpoint's ctx")
				}
				n := calls.Add(1)
				return wstest.URL(t, "/echo?id="+id+"&token=t"+strconv.FormatInt(n, 10)), &client.Options{Subprotocols: []string{"p" + strconv.FormatInt(n, 10)}}, nil
			},
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		echo(t, c, "first")
		assert.Equal(t, "p1", c.Subprotocol(), "the first attempt's Options")
		require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
		rec.wait(t, reconnect.Waiting)
		rec.wait(t, reconnect.Connected)
		echo(t, c, "second")
		assert.Equal(t, int64(2), calls.Load(), "Endpoint calls")
		assert.Equal(t, "p2", c.Subprotocol(), "the second attempt's Options")
		assert.True(t, strings.HasSuffix(c.URL(), "&token=t2"), "URL %q is the last attempt's", c.URL())
		st := wstest.Stats(t, id)
		assert.Equal(t, int64(2), st.Handshakes, "handshakes")
		assert.Equal(t, int64(0), st.Refused, "refused")
	})
	t.Run("the same token again", func(t *testing.T) {
		// Without Endpoint the redial presents the token of the first
		// dial, which the server refuses: natively the 401 is final, in
		// the browser (which hides the status) GiveUpAfter ends it.
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id+"&token=once", &reconnect.Options{GiveUpAfter: 3})
		echo(t, c, "first")
		require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
		e := rec.wait(t, reconnect.Closed)
		require.ErrorIs(t, e.Err, reconnect.ErrGaveUp)
		st := wstest.Stats(t, id)
		assert.Equal(t, int64(1), st.Handshakes, "handshakes")
		want := int64(2) // the 2nd and 3rd failures: GiveUpAfter
		if refusalsAreFinal {
			want = 1
			var de *client.DialError
			require.ErrorAs(t, e.Err, &de)
			assert.Equal(t, 401, de.StatusCode)
		}
		assert.Equal(t, want, st.Refused, "refused")
	})
	t.Run("fails", func(t *testing.T) {
		// An Endpoint error fails the attempt as a dial's does: counted,
		// and waited out.
		t.Parallel()
		id := wstest.ID(t)
		down := errors.New("token service down")
		var calls atomic.Int64
		rec := newRecorder()
		c, err := reconnect.Dial(ctxFor(t, 10*time.Second), "", &reconnect.Options{
			Backoff: fast,
			OnState: rec.on,
			Endpoint: func(ctx context.Context) (string, *client.Options, error) {
				if calls.Add(1) <= 2 {
					return "", nil, down
				}
				return wstest.URL(t, "/echo?id="+id), nil, nil
			},
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		echo(t, c, "up")
		var failures []int
		for _, e := range rec.seen() {
			if e.State == reconnect.Waiting {
				failures = append(failures, e.Failures)
				require.ErrorIs(t, e.Err, down)
				assert.Contains(t, e.Err.Error(), "reconnect: Endpoint: token service down")
			}
		}
		assert.Equal(t, []int{1, 2}, failures)
	})
	t.Run("Permanent", func(t *testing.T) {
		t.Parallel()
		revoked := errors.New("credentials revoked")
		var calls atomic.Int64
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), "wss://example.invalid/ws", &reconnect.Options{
			Backoff: fast,
			Final:   func(error) bool { return false }, // Permanent wins
			Endpoint: func(context.Context) (string, *client.Options, error) {
				calls.Add(1)
				return "", nil, reconnect.Permanent(revoked)
			},
		})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, err, revoked)
		assert.Equal(t, int64(1), calls.Load(), "no second attempt")
		assert.Contains(t, err.Error(), "gave up after 1 failure: Endpoint: credentials revoked")
		assert.NoError(t, reconnect.Permanent(nil))
	})
	t.Run("OnConnect Permanent", func(t *testing.T) {
		t.Parallel()
		refused := errors.New("login refused")
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo"), &reconnect.Options{
			Backoff:   fast,
			OnConnect: func(context.Context, *client.Conn) error { return reconnect.Permanent(refused) },
		})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, err, refused)
	})
}
