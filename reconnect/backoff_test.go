package reconnect_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestMaxElapsed: a server down for good is tried for Options.MaxElapsed,
// then given up, whatever GiveUpAfter says.
func TestMaxElapsed(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	rec := newRecorder()
	c, err := reconnect.New(wstest.URL(t, "/reject?status=503&id="+id), &reconnect.Options{
		Backoff:    reconnect.Constant(20 * time.Millisecond),
		MaxElapsed: 150 * time.Millisecond,
		OnState:    rec.on,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	e := rec.wait(t, reconnect.Closed)
	require.ErrorIs(t, e.Err, reconnect.ErrGaveUp)
	assert.Contains(t, e.Err.Error(), "trying for longer than Options.MaxElapsed, 150ms")
	assert.GreaterOrEqual(t, e.Failures, 2, "tried more than once")
	assert.Equal(t, int64(e.Failures), wstest.Stats(t, id).Refused, "every failure a dial")
	_, _, err = c.Read(ctxFor(t, time.Second))
	require.ErrorIs(t, err, reconnect.ErrGaveUp)
}

// TestReady: Conn.Ready says a connection is healthy: its loss is the
// first failure again, as after StableAfter (turned off here: a negative
// StableAfter leaves Ready the only way).
func TestReady(t *testing.T) {
	t.Parallel()
	for _, ready := range []bool{false, true} {
		name := "not ready"
		if ready {
			name = "ready"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c, rec := dial(t, "/echo?id="+id, &reconnect.Options{GiveUpAfter: 3, StableAfter: -1})
			var failures []int
			for range 2 {
				if ready {
					c.Ready()
				}
				require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
				failures = append(failures, rec.wait(t, reconnect.Waiting).Failures)
				rec.wait(t, reconnect.Connected)
			}
			if ready {
				c.Ready()
			}
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			if ready {
				failures = append(failures, rec.wait(t, reconnect.Waiting).Failures)
				rec.wait(t, reconnect.Connected)
				assert.Equal(t, []int{1, 1, 1}, failures, "each loss the first failure")
				echo(t, c, "still here")
				return
			}
			assert.Equal(t, []int{1, 2}, failures, "the losses add up")
			e := rec.wait(t, reconnect.Closed)
			require.ErrorIs(t, e.Err, reconnect.ErrGaveUp, "the third: GiveUpAfter")
			assert.Equal(t, 3, e.Failures)
		})
	}
}

// TestStableAfter: a connection that outlives StableAfter resets the
// failures; a negative StableAfter never does.
func TestStableAfter(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		stable time.Duration
		want   []int
	}{
		{time.Millisecond, []int{1, 1}},
		{-1, []int{1, 2}},
	} {
		t.Run(tt.stable.String(), func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c, rec := dial(t, "/echo?id="+id, &reconnect.Options{StableAfter: tt.stable})
			var failures []int
			for range 2 {
				echo(t, c, "lived") // a round trip: over 1 ms
				time.Sleep(5 * time.Millisecond)
				require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
				failures = append(failures, rec.wait(t, reconnect.Waiting).Failures)
				rec.wait(t, reconnect.Connected)
			}
			assert.Equal(t, tt.want, failures)
		})
	}
}

// TestFullJitterWindows: with FullJitter a Conn dials at the same point
// of each window (the k-th beginning where the one before ends), so that
// Conns dropped together dial at an even rate through every window.
func TestFullJitterWindows(t *testing.T) {
	t.Parallel()
	e := reconnect.Exponential{Initial: 100 * time.Millisecond, Max: 800 * time.Millisecond}
	windows := []time.Duration{100, 200, 400, 800, 800, 800} // ms, Max from the 4th
	for _, phase := range []float64{0, 0.25, 0.5, 0.999} {
		s := reconnect.NewSpread(phase)
		var now, start time.Duration // since the first failure
		for k, w := range windows {
			w *= time.Millisecond
			d := s.Wait(e, k+1, now)
			now += d // the dial, which fails at once
			want := start + time.Duration(phase*float64(w))
			assert.Equal(t, want, now, "phase %v: dial %d at %v of its window [%v, %v)", phase, k+1, phase, start, start+w)
			start += w
		}
		// A dial that ends past the next window's point: that window
		// begins at its end.
		now += 10 * time.Second
		assert.Equal(t, time.Duration(phase*float64(800*time.Millisecond)), s.Wait(e, len(windows)+1, now), "behind")
	}

	// 1,000 Conns at random phases: in each window, as many dials in each
	// tenth of it (100 each; the chance of a count off by 50 is below
	// 1e-6 per tenth).
	const n = 1000
	counts := make([][10]int, len(windows))
	for range n {
		s := reconnect.NewSpread(rand.Float64())
		var now, start time.Duration
		for k, w := range windows {
			w *= time.Millisecond
			now += s.Wait(e, k+1, now)
			tenth := int((now - start) * 10 / w)
			require.True(t, tenth >= 0 && tenth < 10, "dial %d in its window", k+1)
			counts[k][tenth]++
			start += w
		}
	}
	for k, c := range counts {
		for i, got := range c {
			assert.InDelta(t, n/10, got, 50, "window %d, tenth %d: %v", k+1, i, c)
		}
	}
}
