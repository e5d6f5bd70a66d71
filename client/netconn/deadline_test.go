package netconn

import (
	"context"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
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

// TestWriteWaitHonoursDeadline: a Write waiting for another one, which
// holds the stream and does not return, ends at the write deadline with
// a timeout and sends nothing.
func TestWriteWaitHonoursDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, wstest.URL(t, "/echo"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	nc := New(ctx, c, client.MessageBinary).(*netConn)
	nc.writeSem <- struct{}{} // a Write that is stuck

	require.NoError(t, nc.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := nc.Write([]byte("waits"))
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		assert.Zero(t, r.n, "bytes written")
		require.ErrorIs(t, r.err, os.ErrDeadlineExceeded)
		var ne net.Error
		require.ErrorAs(t, r.err, &ne)
		assert.True(t, ne.Timeout(), "a timeout")
	case <-ctx.Done():
		t.Fatal("a Write waiting for another outlived its deadline")
	}
	<-nc.writeSem
}
