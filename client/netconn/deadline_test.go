package netconn

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeadlineAfterFunc: context.AfterFunc on a deadline's context waits
// in the deadline itself, not in a goroutine per call; functions run when
// the deadline passes, and stop keeps them from running.
func TestDeadlineAfterFunc(t *testing.T) {
	d := newDeadline()
	ctx := d.context()
	before := runtime.NumGoroutine()
	var ran atomic.Int32
	stops := make([]func() bool, 100)
	for i := range stops {
		stops[i] = context.AfterFunc(ctx, func() { ran.Add(1) })
	}
	assert.Equal(t, before, runtime.NumGoroutine(), "no goroutine waits per AfterFunc")
	for _, stop := range stops[:40] {
		require.True(t, stop(), "stopped before the deadline")
	}
	assert.False(t, stops[0](), "stopped once only")

	d.set(time.Now().Add(10 * time.Millisecond)) // moved: the same deadline, later
	require.Eventually(t, func() bool { return ran.Load() == 60 }, 5*time.Second, time.Millisecond, "the 60 not stopped ran")
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	assert.False(t, stops[99](), "too late to stop")

	// Registered after the deadline has passed: runs at once.
	context.AfterFunc(ctx, func() { ran.Add(1) })
	require.Eventually(t, func() bool { return ran.Load() == 61 }, 5*time.Second, time.Millisecond)

	// A new deadline is a new context, not yet passed.
	d.set(time.Time{})
	ctx2 := d.context()
	require.NoError(t, ctx2.Err())
	stop := context.AfterFunc(ctx2, func() { ran.Add(1) })
	d.set(time.Now().Add(-time.Second)) // brought forward into the past
	require.Eventually(t, func() bool { return ran.Load() == 62 }, 5*time.Second, time.Millisecond)
	assert.False(t, stop())
}
