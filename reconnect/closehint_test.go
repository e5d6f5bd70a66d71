package reconnect_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestCloseHints: what a server's close says of when to come back. 1001
// and 1012 are not failures, however young the connection, and the
// redial is spread over RestartWindow; 1013 waits at least
// DefaultTryAgainDelay; retry-after=N in a reason is honoured, up to the
// backoff's cap. On both platforms: the close frame reaches a page whole.
func TestCloseHints(t *testing.T) {
	t.Parallel()
	capped := reconnect.Exponential{Initial: 10 * time.Millisecond, Max: 2 * time.Second}
	for _, tt := range []struct {
		name     string
		code     int
		reason   string
		backoff  reconnect.Backoff
		failures int
		lo, hi   time.Duration // the Waiting event's Delay, in [lo, hi)
		redial   bool          // wait for the redial
	}{
		{"1001", 1001, "going away", nil, 0, 0, 100 * time.Millisecond, true},
		{"1012", 1012, "restart", nil, 0, 0, 100 * time.Millisecond, true},
		{"1012 retry-after", 1012, "restart; retry-after=2", nil, 0, 2 * time.Second, 3 * time.Second, false},
		{"1013", 1013, "overloaded", fast, 1, reconnect.DefaultTryAgainDelay, reconnect.DefaultTryAgainDelay * 3 / 2, false},
		{"4000 retry-after", 4000, "busy, Retry-After=3.", fast, 1, 3 * time.Second, 4500 * time.Millisecond, false},
		{"retry-after over the cap", 1013, "retry-after=99999999999999999999", capped, 1, 2 * time.Second, 2*time.Second + 1, false},
		{"1011", 1011, "oops", fast, 1, 10 * time.Millisecond, 10*time.Millisecond + 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			o := &reconnect.Options{Backoff: tt.backoff, RestartWindow: 100 * time.Millisecond, GiveUpAfter: 1}
			if tt.failures > 0 {
				o.GiveUpAfter = 0
			}
			if o.Backoff == nil {
				o.Backoff = reconnect.Constant(time.Hour) // not used: not a failure
			}
			c, rec := dial(t, "/echo?id="+id, o)
			require.Equal(t, 1, wstest.Kick(t, id, tt.code, tt.reason))
			e := rec.wait(t, reconnect.Waiting)
			assert.Equal(t, client.StatusCode(tt.code), client.CloseStatus(e.Err), "the loss: %v", e.Err)
			assert.Equal(t, tt.failures, e.Failures, "failures")
			assert.GreaterOrEqual(t, e.Delay, tt.lo, "the wait")
			assert.Less(t, e.Delay, tt.hi, "the wait")
			if tt.redial {
				rec.wait(t, reconnect.Connected)
				echo(t, c, "back")
			}
		})
	}
}

// TestCloseRestartSpread: the redials after a restart are spread over
// all of RestartWindow, not bunched at its start or end.
func TestCloseRestartSpread(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	const window = 40 * time.Millisecond
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{RestartWindow: window})
	var lo, hi time.Duration = window, 0
	for range 12 {
		require.Equal(t, 1, wstest.Kick(t, id, 1012, ""))
		e := rec.wait(t, reconnect.Waiting)
		require.Equal(t, 0, e.Failures)
		require.Less(t, e.Delay, window)
		lo, hi = min(lo, e.Delay), max(hi, e.Delay)
		rec.wait(t, reconnect.Connected)
	}
	// 12 draws: all in one half of the window has a chance of 2^-11.
	t.Logf("12 redials after 1012: waits from %v to %v of %v", lo, hi, window)
	assert.Less(t, lo, window/2, "the shortest wait")
	assert.Greater(t, hi, window/2, "the longest wait")
	echo(t, c, "still here")
}

func TestReasonHint(t *testing.T) {
	t.Parallel()
	for reason, want := range map[string]time.Duration{
		"retry-after=5":                       5 * time.Second,
		"Retry-After=5":                       5 * time.Second,
		"restarting; retry-after=30":          30 * time.Second,
		"retry-after=7, please":               7 * time.Second,
		"x retry-after=abc retry-after=2":     2 * time.Second,
		"retry-after=99999999999999999999":    1e9 * time.Second,
		"noretry-after=5":                     0,
		"retry-after=5s":                      0,
		"retry-after=":                        0,
		"retry-after":                         0,
		"":                                    0,
		"retry-after=-5":                      0,
		"going away":                          0,
		"\xffretry-after=4":                   4 * time.Second,
		"retry-after=0":                       0,
		"server restart (retry-after=1)":      time.Second,
		"RETRY-AFTER=12":                      12 * time.Second,
		"retry_after=5":                       0,
		"retry-after=5.5":                     0,
		"a.retry-after=5":                     5 * time.Second,
		"retry-after=5.":                      5 * time.Second,
		"retry-after=00000000000000000000001": time.Second,
	} {
		assert.Equal(t, want, reconnect.ReasonHint(reason), "reason %q", reason)
	}
}
