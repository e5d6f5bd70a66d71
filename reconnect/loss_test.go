package reconnect_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// TestDialConnected: the Conn Dial returns says Connected, not
// Connecting (its OnState may not have heard of it yet).
func TestDialConnected(t *testing.T) {
	t.Parallel()
	url := wstest.URL(t, "/echo")
	for i := range 200 {
		c, err := reconnect.Dial(ctxFor(t, 10*time.Second), url, &reconnect.Options{Backoff: fast, OnState: func(reconnect.Event) {}})
		require.NoError(t, err)
		st := c.State()
		require.NoError(t, c.CloseNow())
		require.Equal(t, reconnect.Connected, st, "State() right after Dial, dial %d", i)
	}
}

// TestLossWhileMessageWaits: a message received and not yet read does not
// hide the loss of its connection: the Conn redials while it waits, and
// Read returns it afterwards, before the next connection's messages.
func TestLossWhileMessageWaits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path string }{
		{"cut", "/drop?after=1"},                               // echoes one message, then cuts TCP
		{"close frame", "/close?after=1&code=1011&reason=bye"}, // echoes one message, then a close frame
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c, rec := dial(t, tt.path+"&id="+id, nil)
			ctx := ctxFor(t, 10*time.Second)
			require.NoError(t, c.Write(ctx, client.MessageText, []byte("a")))
			// Nothing reads "a"'s echo meanwhile.
			e := rec.wait(t, reconnect.Waiting)
			require.Error(t, e.Err, "the loss")
			rec.wait(t, reconnect.Connected)
			assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes, "redialled while a message waited")

			require.NoError(t, c.Write(ctx, client.MessageText, []byte("b")))
			for _, want := range []string{"a", "b"} {
				_, p, err := c.Read(ctx)
				require.NoError(t, err)
				assert.Equal(t, want, string(p), "in order across the connections")
			}
		})
	}
}

// TestHeartbeatWhileMessageWaits: the heartbeat goes on while a received
// message waits for Read.
func TestHeartbeatWhileMessageWaits(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	pongs := make(chan struct{}, 100)
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{
		Heartbeat: &reconnect.Heartbeat{
			Interval: 20 * time.Millisecond,
			Timeout:  5 * time.Second,
			Ping:     func() (client.MessageType, []byte) { return client.MessageText, []byte("ping") },
			IsPong: func(_ client.MessageType, p []byte) bool {
				if string(p) != "ping" {
					return false
				}
				select {
				case pongs <- struct{}{}:
				default:
				}
				return true
			},
		},
	})
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("waits")))
	for len(pongs) > 0 { // those from before
		<-pongs
	}
	for i := range 3 {
		select {
		case <-pongs:
		case <-ctx.Done():
			t.Fatalf("%d pings answered while a message waited; want 3", i)
		}
	}
	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "waits", string(p))
	assert.NotContains(t, rec.states(), reconnect.Waiting, "no loss")
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
}

// TestReadAheadBound: a program that does not read holds at most
// Options.ReadAhead bytes (and one message more) of what the server sent;
// the rest waits in the network, and all of it comes, in order, once the
// program reads.
func TestReadAheadBound(t *testing.T) {
	t.Parallel()
	const n, size = 200, 1000
	id := wstest.ID(t)
	full := make(chan int, 1)
	o := &reconnect.Options{
		ReadAhead: 4 * size,
		Final:     func(error) bool { return true }, // /flood ends with 1000: stop there
	}
	reconnect.SetHooks(o, &reconnect.Hooks{ReadAheadFull: func(held int) {
		select {
		case full <- held:
		default:
		}
	}})
	c, _ := dial(t, "/flood?n="+strconv.Itoa(n)+"&size="+strconv.Itoa(size)+"&id="+id, o)
	ctx := ctxFor(t, 20*time.Second)
	select {
	case held := <-full:
		assert.LessOrEqual(t, held, 5, "messages held (ReadAhead is 4 messages' worth, and one more may come)")
		assert.GreaterOrEqual(t, held, 4, "messages held")
	case <-ctx.Done():
		t.Fatal("the read-ahead never filled")
	}
	for i := 1; i <= n; i++ {
		_, p, err := c.Read(ctx)
		require.NoError(t, err, "message %d", i)
		seq, _ := harness.FloodSeq(p, false)
		require.Equal(t, uint64(i), seq, "in order")
	}
}

// TestQueueSentOnce: a queued message goes out once, wherever the
// connection is lost around its write: a message the connection took
// (its Write returned nil) is not sent again, and one it did not take
// stays queued for the next.
func TestQueueSentOnce(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{true, false} {
		name := "cut before the write"
		if after {
			name = "cut after the write"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			var conn atomic.Pointer[reconnect.Conn]
			var queued atomic.Bool
			// The hook hands the test the link's loss signal and waits
			// until the test has cut the connection.
			type stop struct{ lost <-chan struct{} }
			at, goOn := make(chan stop), make(chan struct{})
			var hooked atomic.Bool
			hook := func(_ []byte, lost <-chan struct{}) {
				if hooked.CompareAndSwap(false, true) {
					at <- stop{lost}
					<-goOn
				}
			}
			rec := newRecorder()
			o := &reconnect.Options{OnState: func(e reconnect.Event) {
				if e.State == reconnect.Waiting && queued.CompareAndSwap(false, true) {
					// No connection: this is queued.
					_ = conn.Load().Write(context.Background(), client.MessageText, []byte("queued"))
				}
				rec.on(e)
			}}
			h := &reconnect.Hooks{}
			if after {
				h.AfterFlushWrite = hook
			} else {
				h.BeforeFlushWrite = hook
			}
			reconnect.SetHooks(o, h)
			// A server that reads and never answers: nothing waits for
			// Read meanwhile.
			c, _ := dial(t, "/slow?delay=0s&id="+id, o)
			var once sync.Once
			release := func() { once.Do(func() { close(goOn) }) }
			t.Cleanup(release) // before the Conn's CloseNow
			conn.Store(c)
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			rec.wait(t, reconnect.Waiting)

			var s stop
			select {
			case s = <-at:
			case <-time.After(10 * time.Second):
				t.Fatal("the queue was not sent on the next connection")
			}
			if after {
				// The server has the message: cut the connection.
				waitReceived(t, id, 1)
			}
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			select {
			case <-s.lost:
			case <-time.After(10 * time.Second):
				t.Fatal("the cut was not noticed")
			}
			release()
			rec.wait(t, reconnect.Waiting)
			rec.wait(t, reconnect.Connected)

			ctx := ctxFor(t, 10*time.Second)
			require.NoError(t, c.Write(ctx, client.MessageText, []byte("last")))
			require.NoError(t, c.Close(client.StatusNormalClosure, ""))
			// The server read all that came before the close frame.
			deadline := time.Now().Add(10 * time.Second)
			var st harness.Stats
			for st = wstest.Stats(t, id); len(st.Conns) < 3 || st.Conns[2].ClientCloseCode == 0; st = wstest.Stats(t, id) {
				require.False(t, time.Now().After(deadline), "the close frame did not reach the server: %+v", st.Conns)
				time.Sleep(5 * time.Millisecond)
			}
			assert.Equal(t, int64(2), st.MessagesReceived, "the server got \"queued\" once, and \"last\"")
			assert.Equal(t, int64(3), st.Handshakes)
		})
	}
}

// waitReceived waits until the harness has received n messages tagged
// id.
func waitReceived(t *testing.T, id string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wstest.Stats(t, id).MessagesReceived < n {
		if time.Now().After(deadline) {
			t.Fatalf("the harness did not receive %d messages in 10 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLossWhileReadAheadFull: a connection lost while the read-ahead is
// full (its reading goroutine waits for room, reading nothing) leaves
// nothing behind once a Write finds the loss: the next connection is
// read as soon as Read makes room.
func TestLossWhileReadAheadFull(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	full := make(chan int, 1)
	o := &reconnect.Options{ReadAhead: 100}
	reconnect.SetHooks(o, &reconnect.Hooks{ReadAheadFull: func(held int) {
		select {
		case full <- held:
		default:
		}
	}})
	c, rec := dial(t, "/echo?id="+id, o)
	ctx := ctxFor(t, 10*time.Second)
	big := strings.Repeat("b", 200)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte(big)))
	select {
	case <-full: // its echo fills the read-ahead
	case <-ctx.Done():
		t.Fatal("the read-ahead never filled")
	}
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""), "cut the TCP connection")
	// Nothing reads the connection: a Write finds the loss.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for waiting := false; !waiting; {
		require.NoError(t, c.Write(ctx, client.MessageText, []byte("x")))
		select {
		case e := <-rec.ch:
			waiting = e.State == reconnect.Waiting
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no Write found the cut")
		}
	}
	rec.wait(t, reconnect.Connected)

	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, big, string(p), "the message held across the loss")
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("after")))
	for {
		_, p, err := c.Read(ctx)
		require.NoError(t, err, "the echo of \"after\" on the next connection")
		if string(p) == "after" {
			break
		}
		require.Equal(t, "x", string(p), "the echoes of what Write queued")
	}
	echo(t, c, "still read")
}

// TestHeartbeatCallbacksOneAtATime: Heartbeat.IsPong (and Ping) run one
// at a time, as Options says, even across connections: the next
// connection is not read while the last one's reading goroutine is still
// in IsPong.
func TestHeartbeatCallbacksOneAtATime(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	var running atomic.Int32
	var overlap atomic.Bool
	blocked, release := make(chan struct{}), make(chan struct{})
	var blockOnce sync.Once
	waitsPrev := make(chan struct{}, 1)
	o := &reconnect.Options{Heartbeat: &reconnect.Heartbeat{
		Interval: time.Minute, // no ping: IsPong only
		IsPong: func(_ client.MessageType, p []byte) bool {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			if string(p) == "block" {
				blockOnce.Do(func() {
					close(blocked)
					<-release
				})
			}
			running.Add(-1)
			return false
		},
	}}
	reconnect.SetHooks(o, &reconnect.Hooks{ReadWaitsPrev: func() {
		select {
		case waitsPrev <- struct{}{}:
		default:
		}
	}})
	c, rec := dial(t, "/echo?id="+id, o)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the Conn's CloseNow
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("block")))
	select {
	case <-blocked: // the reading goroutine is in IsPong
	case <-ctx.Done():
		t.Fatal("IsPong never saw \"block\"")
	}
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""), "cut the TCP connection")
	// Nothing reads the connection: a Write finds the loss, and queues
	// its message for the next connection, which echoes it.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for waiting := false; !waiting; {
		require.NoError(t, c.Write(ctx, client.MessageText, []byte("x")))
		select {
		case e := <-rec.ch:
			waiting = e.State == reconnect.Waiting
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no Write found the cut")
		}
	}
	rec.wait(t, reconnect.Connected)
	select {
	case <-waitsPrev: // the next connection's reader waits for the last one's
	case <-ctx.Done():
		t.Fatal("the next connection's reader never waited for the last one's")
	}
	unblock()
	assert.False(t, overlap.Load(), "IsPong ran on the next connection while the last one's was still in IsPong")

	_, p, err := c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, "block", string(p))
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("after")))
	for {
		_, p, err := c.Read(ctx)
		require.NoError(t, err, "the echo of \"after\"")
		if string(p) == "after" {
			break
		}
		require.Equal(t, "x", string(p), "the echoes of what Write queued")
	}
	assert.False(t, overlap.Load(), "IsPong calls overlapped")
}

// TestCloseCountsUnsent: Close's ErrUnsent counts only the queued
// messages that were not sent: one a connection took while Close began
// (its Write returned nil) is not among them, and one whose write Close
// cut short is.
func TestCloseCountsUnsent(t *testing.T) {
	t.Parallel()
	for _, taken := range []bool{true, false} {
		name := "taken while Close began"
		if !taken {
			name = "cut short by Close"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			var conn atomic.Pointer[reconnect.Conn]
			var queued atomic.Bool
			at, goOn := make(chan struct{}), make(chan struct{})
			var hooked atomic.Bool
			hook := func([]byte, <-chan struct{}) {
				if hooked.CompareAndSwap(false, true) {
					close(at)
					<-goOn
				}
			}
			o := &reconnect.Options{OnState: func(e reconnect.Event) {
				if e.State == reconnect.Waiting && queued.CompareAndSwap(false, true) {
					// No connection: this is queued.
					_ = conn.Load().Write(context.Background(), client.MessageText, []byte("queued"))
				}
			}}
			h := &reconnect.Hooks{}
			if taken {
				h.AfterFlushWrite = hook // the write returned nil
			} else {
				h.BeforeFlushWrite = hook
			}
			reconnect.SetHooks(o, h)
			c, _ := dial(t, "/echo?id="+id, o)
			var once sync.Once
			release := func() { once.Do(func() { close(goOn) }) }
			t.Cleanup(release) // before the Conn's CloseNow
			conn.Store(c)
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			select {
			case <-at: // flush is writing "queued" on the next connection
			case <-time.After(10 * time.Second):
				t.Fatal("the queue was not sent on the next connection")
			}
			if taken {
				waitReceived(t, id, 1)
			}

			closed := make(chan error, 1)
			go func() { closed <- c.Close(client.StatusNormalClosure, "") }()
			deadline := time.Now().Add(10 * time.Second)
			for c.State() != reconnect.Closed { // Close has begun
				require.False(t, time.Now().After(deadline), "Close did not begin")
				time.Sleep(time.Millisecond)
			}
			release()
			var err error
			select {
			case err = <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
			if taken {
				require.NoError(t, err, "the message was sent: Close discarded nothing")
				assert.Equal(t, int64(1), wstest.Stats(t, id).MessagesReceived, "the server got it")
				return
			}
			require.ErrorIs(t, err, reconnect.ErrUnsent)
			assert.Contains(t, err.Error(), "1 queued message never sent")
		})
	}
}

// TestReadAheadCountsMemory: Options.ReadAhead bounds the memory the
// held messages take, not only their length: natively a small message
// comes in a buffer of 512 bytes or more, and a thousand one-byte
// messages must not hold half a megabyte.
func TestReadAheadCountsMemory(t *testing.T) {
	t.Parallel()
	const n, readAhead = 1000, 4096
	id := wstest.ID(t)
	full := make(chan int, 1)
	o := &reconnect.Options{
		ReadAhead: readAhead,
		Final:     func(error) bool { return true }, // /flood ends with 1000: stop there
	}
	reconnect.SetHooks(o, &reconnect.Hooks{ReadAheadFull: func(held int) {
		select {
		case full <- held:
		default:
		}
	}})
	c, _ := dial(t, "/flood?n="+strconv.Itoa(n)+"&size=1&id="+id, o)
	ctx := ctxFor(t, 20*time.Second)
	var held int
	select {
	case held = <-full:
	case <-ctx.Done():
		t.Fatal("the read-ahead never filled")
	}
	require.Positive(t, held)
	// The held messages are the first ones Read returns. Until the last
	// of them came, they held less than ReadAhead, with 32 bytes each
	// for bookkeeping.
	var before int
	for i := range held {
		_, p, err := c.Read(ctx)
		require.NoError(t, err)
		if i < held-1 {
			before += cap(p) + 32
		}
	}
	t.Logf("%d one-byte messages held", held)
	assert.Less(t, before, readAhead, "the memory of %d held messages, but the last", held)
	for i := held; i < n; i++ {
		_, _, err := c.Read(ctx)
		require.NoError(t, err, "message %d", i+1)
	}
}
