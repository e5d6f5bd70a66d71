package reconnect_test

// This file has no build tag: the same tests run natively and in headless
// Chrome. Where the platforms differ (browsers hide a refusal's status),
// the difference is a constant of reconnect_js_test.go and
// reconnect_notjs_test.go, and docs/platforms.md says so.

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fast redials at once, so that tests spend no time in backoff.
const fast = reconnect.Constant(10 * time.Millisecond)

// recorder keeps a Conn's events and lets a test wait for one.
type recorder struct {
	mu     sync.Mutex
	events []reconnect.Event
	ch     chan reconnect.Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan reconnect.Event, 1024)} }

func (r *recorder) on(e reconnect.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.ch <- e
}

// seen returns the events seen so far.
func (r *recorder) seen() []reconnect.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reconnect.Event(nil), r.events...)
}

// states returns the states seen so far.
func (r *recorder) states() []reconnect.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := make([]reconnect.State, len(r.events))
	for i, e := range r.events {
		s[i] = e.State
	}
	return s
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
			t.Fatalf("no %v event in 10 s; states so far: %v", s, r.states())
		}
	}
}

// dial dials path on the harness with o (OnState set to a recorder's if
// nil) and closes the Conn when the test ends.
func dial(t *testing.T, path string, o *reconnect.Options) (*reconnect.Conn, *recorder) {
	t.Helper()
	rec := newRecorder()
	if o == nil {
		o = &reconnect.Options{}
	}
	if o.Backoff == nil {
		o.Backoff = fast
	}
	if o.OnState == nil {
		o.OnState = rec.on
	}
	c, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), o)
	require.NoError(t, err, "dial %s", path)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c, rec
}

func echo(t *testing.T, c *reconnect.Conn, msg string) {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte(msg)), "write %q", msg)
	typ, p, err := c.Read(ctx)
	require.NoError(t, err, "read the echo of %q", msg)
	assert.Equal(t, client.MessageText, typ)
	assert.Equal(t, msg, string(p))
}

func TestRedialAfterDrop(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, nil)
	echo(t, c, "before")
	assert.Equal(t, reconnect.Connected, c.State())

	require.Equal(t, 1, wstest.Kick(t, id, 0, ""), "cut the TCP connection")
	e := rec.wait(t, reconnect.Waiting)
	assert.Equal(t, client.StatusAbnormalClosure, client.CloseStatus(e.Err), "the loss: %v", e.Err)
	assert.Equal(t, 1, e.Failures)
	rec.wait(t, reconnect.Connected)

	echo(t, c, "after")
	assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes, "handshakes")
	assert.Equal(t, []reconnect.State{
		reconnect.Connecting, reconnect.Connected,
		reconnect.Waiting, reconnect.Connecting, reconnect.Connected,
	}, rec.states())
}

// TestServerClose: a close by the server is redialled unless its code
// says that a new connection would meet it again.
func TestServerClose(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code  client.StatusCode
		final bool
	}{
		{client.StatusNormalClosure, false},
		{client.StatusGoingAway, false},
		{client.StatusInternalError, false},
		{client.StatusServiceRestart, false},
		{client.StatusTryAgainLater, false},
		{4000, false},
		{client.StatusProtocolError, true},
		{client.StatusUnsupportedData, true},
		{client.StatusPolicyViolation, true},
		{client.StatusMessageTooBig, false}, // one message: TestTooBigIsNotFinal
	} {
		t.Run(strconv.Itoa(int(tt.code)), func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			c, rec := dial(t, "/echo?id="+id, nil)
			require.Equal(t, 1, wstest.Kick(t, id, int(tt.code), "bye"))
			if !tt.final {
				e := rec.wait(t, reconnect.Waiting)
				assert.Equal(t, tt.code, client.CloseStatus(e.Err), "the loss: %v", e.Err)
				if tt.code == client.StatusTryAgainLater {
					return // it waits at least 5 s: TestCloseHints
				}
				rec.wait(t, reconnect.Connected)
				echo(t, c, "again")
				return
			}
			e := rec.wait(t, reconnect.Closed)
			require.ErrorIs(t, e.Err, reconnect.ErrGaveUp)
			_, _, err := c.Read(ctxFor(t, 5*time.Second))
			require.ErrorIs(t, err, reconnect.ErrGaveUp)
			require.ErrorIs(t, err, net.ErrClosed)
			ce, ok := errors.AsType[*client.CloseError](err)
			require.True(t, ok, "a *client.CloseError in %v", err)
			assert.Equal(t, tt.code, ce.Code)
			assert.Equal(t, "bye", ce.Reason)
			require.ErrorIs(t, c.Write(ctxFor(t, time.Second), client.MessageText, []byte("x")), reconnect.ErrGaveUp)
			assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes, "no redial")
			assert.Equal(t, reconnect.Closed, c.State())
		})
	}
}

// TestQueue: what is written while there is no connection is sent, in
// order, on the next one, before anything written later.
func TestQueue(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	var conn atomic.Pointer[reconnect.Conn]
	var queueErrs []error
	rec := newRecorder()
	o := &reconnect.Options{
		SendQueueLimit: 10 * (32 + 8),
		OnState: func(e reconnect.Event) {
			if e.State == reconnect.Waiting && len(queueErrs) == 0 {
				// Still no connection: these are queued.
				for i := range 11 {
					queueErrs = append(queueErrs, conn.Load().Write(context.Background(), client.MessageText, []byte("queued"+strconv.Itoa(i))))
				}
			}
			rec.on(e)
		},
	}
	c, _ := dial(t, "/echo?id="+id, o)
	conn.Store(c)
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	rec.wait(t, reconnect.Waiting)
	rec.wait(t, reconnect.Connected)
	require.NoError(t, c.Write(ctxFor(t, 5*time.Second), client.MessageText, []byte("later")))

	require.Len(t, queueErrs, 11)
	for i, err := range queueErrs[:10] {
		require.NoError(t, err, "write %d", i)
	}
	require.ErrorIs(t, queueErrs[10], reconnect.ErrSendQueueFull, "the 11th is over SendQueueLimit")
	for i := range 10 {
		_, p, err := c.Read(ctxFor(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "queued"+strconv.Itoa(i), string(p))
	}
	_, p, err := c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "later", string(p))
}

// TestServerDown: Dial retries refused handshakes (503 here) until one
// succeeds.
func TestServerDown(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id+"&fail=3", nil)
	echo(t, c, "up")
	var failures []int
	for _, e := range rec.seen() {
		if e.State == reconnect.Waiting {
			failures = append(failures, e.Failures)
			var de *client.DialError
			assert.ErrorAs(t, e.Err, &de)
		}
	}
	assert.Equal(t, []int{1, 2, 3}, failures)
	st := wstest.Stats(t, id)
	assert.Equal(t, int64(3), st.Refused)
	assert.Equal(t, int64(1), st.Handshakes)
}

func TestGiveUp(t *testing.T) {
	t.Parallel()
	t.Run("GiveUpAfter", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/reject?status=503&id="+id),
			&reconnect.Options{Backoff: fast, GiveUpAfter: 3})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, err, net.ErrClosed)
		var de *client.DialError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, err.Error(), "after 3 failures")
		assert.Equal(t, int64(3), wstest.Stats(t, id).Refused)
	})
	t.Run("refused 403", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/reject?status=403&id="+id),
			&reconnect.Options{Backoff: fast, GiveUpAfter: 3})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		want := int64(3) // browsers hide the status: GiveUpAfter bounds it
		if refusalsAreFinal {
			want = 1
		}
		assert.Equal(t, want, wstest.Stats(t, id).Refused)
	})
	t.Run("bad URL", func(t *testing.T) {
		// No redial mends it, and client.Dial's error says all: it is
		// Dial's, with ErrGaveUp and net.ErrClosed in its chain.
		t.Parallel()
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), "ftp://127.0.0.1/", nil)
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, err, net.ErrClosed)
		_, cerr := client.Dial(ctxFor(t, 10*time.Second), "ftp://127.0.0.1/", nil)
		require.Error(t, cerr)
		assert.Equal(t, cerr.Error(), err.Error(), "client.Dial's text")
		assert.Equal(t, 1, strings.Count(err.Error(), "ftp://127.0.0.1/"), "the URL in %q", err)
	})
	t.Run("credentials", func(t *testing.T) {
		// Neither reconnect's text nor client's in it holds the URL's
		// password or token; the DialError holds the URL whole.
		t.Parallel()
		url := strings.Replace(wstest.URL(t, "/reject?status=503&token=S3CR3T"), "ws://", "ws://user:S3CR3T@", 1)
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), url, &reconnect.Options{Backoff: fast, GiveUpAfter: 1})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		assert.NotContains(t, err.Error(), "S3CR3T")
		assert.Contains(t, err.Error(), "reconnect: dial ws://REDACTED@127.0.0.1:")
		var de *client.DialError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, url, de.URL)

		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err = reconnect.Dial(ctx, url, &reconnect.Options{Backoff: reconnect.Constant(100 * time.Millisecond)})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "the last failure")
		assert.NotContains(t, err.Error(), "S3CR3T", "with the last failure")

		_, err = reconnect.Dial(ctx, url, &reconnect.Options{Heartbeat: &reconnect.Heartbeat{}})
		require.ErrorContains(t, err, "Heartbeat.Interval")
		assert.NotContains(t, err.Error(), "S3CR3T", "bad options")
	})
	t.Run("Backoff says stop", func(t *testing.T) {
		t.Parallel()
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/reject?status=503"),
			&reconnect.Options{Backoff: reconnect.Constant(-1)})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
	})
	t.Run("Dial ctx", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := reconnect.Dial(ctx, wstest.URL(t, "/reject?status=503"), &reconnect.Options{Backoff: fast})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		var de *client.DialError
		require.ErrorAs(t, err, &de, "and the last failure")
	})
	t.Run("unstable", func(t *testing.T) {
		// A server that closes every connection at once: redialled with
		// the backoff, and given up after GiveUpAfter, however quickly
		// each dial succeeds.
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/close?code=1011&id="+id, &reconnect.Options{GiveUpAfter: 4})
		e := rec.wait(t, reconnect.Closed)
		require.ErrorIs(t, e.Err, reconnect.ErrGaveUp)
		assert.Equal(t, client.StatusInternalError, client.CloseStatus(e.Err))
		assert.Equal(t, 4, e.Failures)
		assert.Equal(t, int64(4), wstest.Stats(t, id).Handshakes)
		_, _, err := c.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
	})
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	ping := func() (client.MessageType, []byte) { return client.MessageText, []byte("ping") }
	t.Run("silent server", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		_, rec := dial(t, "/silent?id="+id, &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{Interval: 50 * time.Millisecond, Timeout: 100 * time.Millisecond, Ping: ping},
		})
		e := rec.wait(t, reconnect.Waiting)
		require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
		rec.wait(t, reconnect.Connected)
		assert.GreaterOrEqual(t, wstest.Stats(t, id).Handshakes, int64(2))
	})
	t.Run("answered", func(t *testing.T) {
		// The echo server answers each ping: the connection stays, and
		// Read sees only the other messages.
		t.Parallel()
		id := wstest.ID(t)
		var pongs atomic.Int64
		c, rec := dial(t, "/echo?id="+id, &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{
				Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, Ping: ping,
				IsPong: func(typ client.MessageType, p []byte) bool {
					if string(p) == "ping" {
						pongs.Add(1)
						return true
					}
					return false
				},
			},
		})
		ctx := ctxFor(t, 5*time.Second)
		deadline := time.Now().Add(300 * time.Millisecond)
		for i := 0; time.Now().Before(deadline); i++ {
			echo(t, c, "m"+strconv.Itoa(i))
			time.Sleep(30 * time.Millisecond) // long enough for a ping
		}
		require.NoError(t, c.Close(client.StatusNormalClosure, ""))
		_, _, err := c.Read(ctx)
		require.ErrorIs(t, err, net.ErrClosed)
		st := wstest.Stats(t, id)
		assert.Equal(t, int64(1), st.Handshakes, "no redial")
		assert.Positive(t, pongs.Load(), "pings were answered")
		assert.NotContains(t, rec.states(), reconnect.Waiting)
	})
	t.Run("server pushes", func(t *testing.T) {
		// No Ping: a server that sends on its own keeps the connection
		// alive; one that stops does not.
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/clock?every=20ms&count=20&id="+id, &reconnect.Options{
			Heartbeat: &reconnect.Heartbeat{Interval: 100 * time.Millisecond, Timeout: 100 * time.Millisecond},
			Final:     func(error) bool { return true }, // /clock ends with 1000: stop there
		})
		ctx := ctxFor(t, 5*time.Second)
		for range 20 {
			_, _, err := c.Read(ctx)
			require.NoError(t, err)
		}
		e := rec.wait(t, reconnect.Closed)
		assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(e.Err), "the clock's own close, not the heartbeat: %v", e.Err)
		assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
	})
	t.Run("bad interval", func(t *testing.T) {
		t.Parallel()
		_, err := reconnect.Dial(ctxFor(t, time.Second), wstest.URL(t, "/echo"), &reconnect.Options{Heartbeat: &reconnect.Heartbeat{}})
		require.ErrorContains(t, err, "Heartbeat.Interval")
	})
}

func TestOnConnect(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	var mu sync.Mutex
	n := 0
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{
		OnConnect: func(ctx context.Context, cc *client.Conn) error {
			mu.Lock()
			n++
			hello := "hello " + strconv.Itoa(n)
			mu.Unlock()
			if err := cc.Write(ctx, client.MessageText, []byte(hello)); err != nil {
				return err
			}
			_, p, err := cc.Read(ctx)
			if err != nil {
				return err
			}
			if string(p) != hello {
				return errors.New("OnConnect read " + string(p))
			}
			return nil
		},
	})
	echo(t, c, "first") // OnConnect's echo was not left for Read
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	rec.wait(t, reconnect.Waiting)
	rec.wait(t, reconnect.Connected)
	echo(t, c, "second")
	mu.Lock()
	assert.Equal(t, 2, n, "OnConnect ran on each connection")
	mu.Unlock()

	t.Run("fails", func(t *testing.T) {
		t.Parallel()
		refused := errors.New("not welcome")
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo"), &reconnect.Options{
			Backoff:     fast,
			GiveUpAfter: 2,
			OnConnect:   func(context.Context, *client.Conn) error { return refused },
		})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorIs(t, err, refused)
	})
}

func TestClose(t *testing.T) {
	t.Parallel()
	t.Run("code", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, nil)
		require.NoError(t, c.Close(client.StatusNormalClosure, "done"))
		cs := wstest.CloseSeen(t, id)
		assert.Equal(t, 1000, cs.ClientCloseCode)
		assert.Equal(t, "done", cs.ClientCloseReason)
		assert.Equal(t, reconnect.Closed, rec.wait(t, reconnect.Closed).State)
		assert.Equal(t, reconnect.Closed, c.State())
		_, _, err := c.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, net.ErrClosed)
		require.ErrorIs(t, c.Write(ctxFor(t, time.Second), client.MessageText, nil), net.ErrClosed)
		require.ErrorIs(t, c.Close(client.StatusNormalClosure, ""), net.ErrClosed, "Close twice")
		require.ErrorIs(t, c.CloseNow(), net.ErrClosed)
		assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes, "no redial after Close")
	})
	t.Run("while waiting", func(t *testing.T) {
		// Close does not wait out the backoff, and says what it discarded.
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Backoff: reconnect.Constant(time.Hour)})
		require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
		rec.wait(t, reconnect.Waiting)
		ctx := ctxFor(t, time.Second)
		require.NoError(t, c.Write(ctx, client.MessageBinary, []byte{1}))
		require.NoError(t, c.Write(ctx, client.MessageBinary, []byte{2}))
		err := c.Close(client.StatusNormalClosure, "")
		require.ErrorIs(t, err, reconnect.ErrUnsent)
		assert.Contains(t, err.Error(), "2 queued messages")
	})
	t.Run("no queue", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Backoff: reconnect.Constant(time.Hour), SendQueueLimit: -1})
		require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
		rec.wait(t, reconnect.Waiting)
		err := c.Write(ctxFor(t, time.Second), client.MessageBinary, []byte{1})
		require.ErrorIs(t, err, reconnect.ErrSendQueueFull)
		assert.Contains(t, err.Error(), "no send queue")
		require.NoError(t, c.Close(client.StatusNormalClosure, ""), "nothing was queued")
	})
	t.Run("read waiting", func(t *testing.T) {
		// A Read waiting when Close is called returns.
		t.Parallel()
		c, _ := dial(t, "/echo", nil)
		errc := make(chan error, 1)
		go func() {
			_, _, err := c.Read(context.Background())
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, c.CloseNow())
		select {
		case err := <-errc:
			require.ErrorIs(t, err, net.ErrClosed)
		case <-time.After(5 * time.Second):
			t.Fatal("Read still waits after CloseNow")
		}
	})
}

func TestReadContext(t *testing.T) {
	t.Parallel()
	c, _ := dial(t, "/echo", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := c.Read(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	echo(t, c, "still usable")
}

func TestBadWrite(t *testing.T) {
	t.Parallel()
	c, _ := dial(t, "/echo", nil)
	ctx := ctxFor(t, time.Second)
	require.ErrorIs(t, c.Write(ctx, client.MessageText, []byte{0xff}), client.ErrInvalidUTF8)
	require.Error(t, c.Write(ctx, 0, nil))
	echo(t, c, "fine")
}

// TestEachConnection: a server that cuts every connection after five
// messages; the Conn goes on with the next connection each time.
func TestEachConnection(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/drop?after=5&id="+id, nil)
	for round := range 3 {
		for i := range 5 {
			echo(t, c, "r"+strconv.Itoa(round)+"m"+strconv.Itoa(i))
		}
		rec.wait(t, reconnect.Waiting)
		rec.wait(t, reconnect.Connected)
	}
	assert.Equal(t, int64(4), wstest.Stats(t, id).Handshakes)
}

func TestExponential(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	delays := func(e reconnect.Exponential) []time.Duration {
		var got []time.Duration
		for n := 1; n <= 6; n++ {
			got = append(got, e.Delay(n))
		}
		return got
	}
	e := reconnect.Exponential{Initial: 100 * ms, Max: time.Second, Multiplier: 2, Jitter: reconnect.NoJitter}
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}, delays(e))
	e.Multiplier = 0 // the default, 2
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}, delays(e), "Multiplier 0")
	e.Multiplier = 0.5 // below 1: no growth
	assert.Equal(t, []time.Duration{100 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms}, delays(e), "Multiplier 0.5")
	assert.Equal(t, 100*ms, e.Delay(1<<40), "many failures, no growth: no loop either")
	defaults := reconnect.Exponential{Jitter: reconnect.NoJitter}
	assert.Equal(t, reconnect.DefaultInitialDelay, defaults.Delay(1))
	assert.Equal(t, reconnect.DefaultMaxDelay, defaults.Delay(50))

	var zero reconnect.Exponential // the defaults, with full jitter
	for range 100 {
		d := zero.Delay(1)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, reconnect.DefaultInitialDelay)
		d = zero.Delay(50)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, reconnect.DefaultMaxDelay)
	}
}

// TestJitterSpread: FullJitter, the default, draws delays across all of
// [0, d]; EqualJitter across [d/2, d]. 2,000 draws each: the chance that
// a right draw lands outside the bounds checked here is below 1e-40.
func TestJitterSpread(t *testing.T) {
	t.Parallel()
	const n = 2000
	d := time.Second
	for _, tt := range []struct {
		jitter         reconnect.Jitter
		lo, hi         time.Duration // every draw within
		minBelow       time.Duration // the smallest draw below
		maxAbove       time.Duration // the largest above
		meanLo, meanHi time.Duration
	}{
		{reconnect.FullJitter, 0, d, d / 20, d - d/20, 45 * d / 100, 55 * d / 100},
		{reconnect.EqualJitter, d / 2, d, d/2 + d/40, d - d/40, 72 * d / 100, 78 * d / 100},
	} {
		e := reconnect.Exponential{Initial: d, Max: d, Jitter: tt.jitter}
		lo, hi, sum := time.Duration(1<<62), time.Duration(0), time.Duration(0)
		for range n {
			x := e.Delay(1)
			require.GreaterOrEqual(t, x, tt.lo, "jitter %d", tt.jitter)
			require.LessOrEqual(t, x, tt.hi, "jitter %d", tt.jitter)
			lo, hi, sum = min(lo, x), max(hi, x), sum+x
		}
		mean := sum / n
		t.Logf("jitter %d: %d draws of %v: from %v to %v, mean %v", tt.jitter, n, d, lo, hi, mean)
		assert.Less(t, lo, tt.minBelow, "the smallest of jitter %d", tt.jitter)
		assert.Greater(t, hi, tt.maxAbove, "the largest of jitter %d", tt.jitter)
		assert.True(t, tt.meanLo < mean && mean < tt.meanHi, "jitter %d: mean %v, want %v to %v", tt.jitter, mean, tt.meanLo, tt.meanHi)
	}
}

// TestConcurrentRedials: writers and a reader keep going while the
// connection is cut again and again: no Write fails but for a full queue,
// nothing read is garbled, and the Conn works at the end.
func TestConcurrentRedials(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, _ := dial(t, "/echo?id="+id, nil)
	ctx := ctxFor(t, 30*time.Second)

	seen := make(chan string, 4096)
	readDone := make(chan error, 1)
	go func() {
		for {
			_, p, err := c.Read(ctx)
			if err != nil {
				readDone <- err
				return
			}
			seen <- string(p)
			if string(p) == "final" {
				readDone <- nil
				return
			}
		}
	}()

	const writers, each = 4, 200
	var wg sync.WaitGroup
	written := make(map[string]bool)
	var mu sync.Mutex
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				msg := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				err := c.Write(ctx, client.MessageText, []byte(msg))
				if errors.Is(err, reconnect.ErrSendQueueFull) {
					continue
				}
				if !assert.NoError(t, err, msg) {
					return
				}
				mu.Lock()
				written[msg] = true
				mu.Unlock()
				if i%20 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	for range 5 {
		time.Sleep(15 * time.Millisecond)
		wstest.Kick(t, id, 0, "")
	}
	wg.Wait()
	// What was written just before a cut may be lost: write "final" until
	// it comes back.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for done := false; !done; {
		require.NoError(t, c.Write(ctx, client.MessageText, []byte("final")))
		select {
		case err := <-readDone:
			require.NoError(t, err)
			done = true
		case <-tick.C:
		}
	}
	close(seen)
	n := 0
	for s := range seen {
		if s != "final" {
			require.True(t, written[s], "read %q, which no Write sent", s)
			n++
		}
	}
	t.Logf("%d of %d messages came back across %d connections", n, len(written), wstest.Stats(t, id).Handshakes)
	assert.Equal(t, reconnect.Connected, c.State())
}

// TestErrorText: each error of the Conn has one package prefix, and
// names the URL (masked) at most once: what it says of a failure of
// package client comes from that error's fields, not its text, which
// stays in the chain.
func TestErrorText(t *testing.T) {
	t.Parallel()
	// says checks err's text: one "reconnect:", no other package's prefix,
	// shown (the masked URL) at most once, and each of want.
	says := func(t *testing.T, err error, shown string, want ...string) {
		t.Helper()
		require.Error(t, err)
		msg := err.Error()
		t.Log(msg)
		assert.True(t, strings.HasPrefix(msg, "reconnect: "), "the prefix of %q", msg)
		assert.Equal(t, 1, strings.Count(msg, "reconnect:"), "prefixes in %q", msg)
		for _, other := range []string{"client:", "wasm:", "websocket:"} {
			assert.NotContains(t, msg, other, "prefixes in %q", msg)
		}
		assert.LessOrEqual(t, strings.Count(msg, shown), 1, "the URL in %q", msg)
		for _, w := range want {
			assert.Contains(t, msg, w)
		}
	}
	t.Run("gave up dialling", func(t *testing.T) {
		t.Parallel()
		url := wstest.URL(t, "/reject?status=503&token=S3CR3T")
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), url, &reconnect.Options{Backoff: fast, GiveUpAfter: 2})
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		require.ErrorAs(t, err, new(*client.DialError))
		shown := strings.Replace(url, "S3CR3T", "REDACTED", 1)
		shown = strings.Replace(shown, "status=503", "status=REDACTED", 1)
		says(t, err, shown, "reconnect: dial "+shown+": gave up after 2 failures: ")
		if refusalsAreFinal { // natively the status is known
			assert.Contains(t, err.Error(), "HTTP 503")
		}
	})
	t.Run("Dial ctx", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		url := wstest.URL(t, "/reject?status=503")
		_, err := reconnect.Dial(ctx, url, &reconnect.Options{Backoff: reconnect.Constant(50 * time.Millisecond)})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorAs(t, err, new(*client.DialError))
		shown := strings.Replace(url, "status=503", "status=REDACTED", 1)
		says(t, err, shown, "reconnect: dial "+shown+": context deadline exceeded; the last failure: ")
	})
	t.Run("gave up on a connection", func(t *testing.T) {
		t.Parallel()
		id := wstest.ID(t)
		c, rec := dial(t, "/echo?id="+id, nil)
		require.Equal(t, 1, wstest.Kick(t, id, int(client.StatusPolicyViolation), "go away"))
		e := rec.wait(t, reconnect.Closed)
		says(t, e.Err, "/echo?id=", "gave up after 1 failure: ", "1008", "go away")
		_, _, err := c.Read(ctxFor(t, time.Second))
		require.ErrorIs(t, err, reconnect.ErrGaveUp)
		says(t, err, "/echo?id=", "reconnect: read ", "1008", "go away")
		err = c.Write(ctxFor(t, time.Second), client.MessageText, nil)
		says(t, err, "/echo?id=", "reconnect: write ", "1008")
	})
	t.Run("heartbeat", func(t *testing.T) {
		t.Parallel()
		_, rec := dial(t, "/silent", &reconnect.Options{
			GiveUpAfter: 1,
			Heartbeat:   &reconnect.Heartbeat{Interval: 50 * time.Millisecond},
		})
		e := rec.wait(t, reconnect.Closed)
		require.ErrorIs(t, e.Err, reconnect.ErrHeartbeatTimeout)
		says(t, e.Err, "/silent", "gave up after 1 failure: no message within the heartbeat timeout (100ms)")
	})
	t.Run("OnConnect", func(t *testing.T) {
		t.Parallel()
		refused := errors.New("not welcome")
		_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo"), &reconnect.Options{
			Backoff:     fast,
			GiveUpAfter: 1,
			OnConnect:   func(context.Context, *client.Conn) error { return refused },
		})
		require.ErrorIs(t, err, refused)
		says(t, err, "/echo", "gave up after 1 failure: OnConnect: not welcome")
	})
	t.Run("Write", func(t *testing.T) {
		t.Parallel()
		c, _ := dial(t, "/echo", nil)
		err := c.Write(ctxFor(t, time.Second), client.MessageText, []byte{0xff})
		require.ErrorIs(t, err, client.ErrInvalidUTF8)
		says(t, err, "/echo", "reconnect: write: text is not valid UTF-8")
	})
}
