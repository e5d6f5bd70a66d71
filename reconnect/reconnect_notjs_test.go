//go:build !js

package reconnect_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// refusalsAreFinal: natively a 4xx refusal is final (DefaultFinal sees the
// status).
const refusalsAreFinal = true

// TestRetryAfter: a refusal's Retry-After is waited out when it is longer
// than the backoff (natively: browsers hide the header).
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/reject?status=503&retry_after=1"),
		&reconnect.Options{Backoff: fast, GiveUpAfter: 2, OnState: rec.on})
	require.ErrorIs(t, err, reconnect.ErrGaveUp)
	e := rec.wait(t, reconnect.Waiting)
	assert.GreaterOrEqual(t, e.Delay, time.Second, "at least the Retry-After")
	assert.Less(t, e.Delay, 1500*time.Millisecond, "spread over half of it again")
}

// TestRetryAfterCapped: a Retry-After is waited out only up to the
// backoff's cap (Exponential's Max, a pointer to one's too;
// DefaultMaxDelay for other Backoffs), however far it points, in seconds
// or as a date.
func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	capped := reconnect.Exponential{Initial: 10 * time.Millisecond, Max: 2 * time.Second}
	for _, tt := range []struct {
		name       string
		retryAfter string
		backoff    reconnect.Backoff
		want       time.Duration
	}{
		{"seconds beyond int64", "99999999999999999999", capped, 2 * time.Second},
		{"seconds beyond a Duration", "9999999999", capped, 2 * time.Second},
		{"a date in 9999", "Fri, 31 Dec 9999 23:59:59 GMT", capped, 2 * time.Second},
		{"*Exponential", "99999999999999999999", &capped, 2 * time.Second},
		{"default Exponential", "99999999999999999999", nil, reconnect.DefaultMaxDelay},
		{"Backoff with no cap", "Fri, 31 Dec 9999 23:59:59 GMT", fast, reconnect.DefaultMaxDelay},
		{"under the cap", "1", capped, time.Second}, // to 1.5 s: spread
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			ctx, cancel := context.WithCancel(ctxFor(t, 10*time.Second))
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := reconnect.Dial(ctx, wstest.URL(t, "/reject?status=503&retry_after="+url.QueryEscape(tt.retryAfter)),
					&reconnect.Options{Backoff: tt.backoff, OnState: rec.on})
				errc <- err
			}()
			e := rec.wait(t, reconnect.Waiting)
			cancel() // no need to wait it out
			require.ErrorIs(t, <-errc, context.Canceled)
			if tt.want < 2*time.Second {
				assert.GreaterOrEqual(t, e.Delay, tt.want, "the wait before the next dial")
				assert.Less(t, e.Delay, tt.want*3/2, "the wait before the next dial")
				return
			}
			assert.Equal(t, tt.want, e.Delay, "the wait before the next dial")
		})
	}
}
