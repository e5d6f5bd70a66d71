package reconnect_test

import (
	"context"
	"net"
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
)

// backoffFunc is a Backoff from a func.
type backoffFunc func(failures int) time.Duration

func (f backoffFunc) Delay(failures int) time.Duration { return f(failures) }

// callbackUse is what a callback got from the Conn's methods.
type callbackUse struct {
	state    reconnect.State
	sub      string
	readErr  error
	writeErr error
	closeErr error
}

// TestCallbacksMayUseConn: every callback a program gives a Conn may call
// any method of that Conn, Close and CloseNow included: nothing deadlocks,
// and each call returns what it would anywhere else.
func TestCallbacksMayUseConn(t *testing.T) {
	t.Parallel()
	const sub = "cb.v1"
	callbacks := []struct {
		name string
		// state and sub are what State and Subprotocol say from inside it.
		state reconnect.State
		sub   string
		// queued: a Write from it queues (no connection is open then).
		queued bool
	}{
		{"OnState(connecting)", reconnect.Connecting, "", true},
		{"OnState(connected)", reconnect.Connected, sub, false},
		{"OnState(waiting)", reconnect.Waiting, "", true},
		{"OnState(closed)", reconnect.Closed, "", false},
		{"Endpoint", reconnect.Connecting, "", true},
		{"OnConnect", reconnect.Connecting, "", true},
		{"OnDisconnect", reconnect.Waiting, "", true},
		{"Final", reconnect.Waiting, "", true},
		{"Backoff", reconnect.Waiting, "", true},
		{"Heartbeat.Ping", reconnect.Connected, sub, false},
		{"Heartbeat.IsPong", reconnect.Connected, sub, false},
	}
	for _, cb := range callbacks {
		for _, use := range []string{"methods", "Close", "CloseNow"} {
			// (wstest.ID escapes the parentheses, which /kick would not match.)
			name := strings.NewReplacer("(", ".", ")", "").Replace(cb.name)
			t.Run(name+"/"+use, func(t *testing.T) {
				t.Parallel()
				id := wstest.ID(t)
				msg := "from " + cb.name
				var conn atomic.Pointer[reconnect.Conn]
				var armed atomic.Bool
				got := make(chan callbackUse, 1)
				// fire runs the test's calls from inside the callback, once.
				fire := func(where string) {
					if where != cb.name || !armed.CompareAndSwap(true, false) {
						return
					}
					c := conn.Load()
					var u callbackUse
					switch use {
					case "Close":
						u.closeErr = c.Close(client.StatusNormalClosure, "from a callback")
					case "CloseNow":
						u.closeErr = c.CloseNow()
					default:
						ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
						_, _, u.readErr = c.Read(ctx)
						cancel()
						u.state = c.State()
						u.sub = c.Subprotocol()
						ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
						u.writeErr = c.Write(ctx, client.MessageText, []byte(msg))
						cancel()
					}
					got <- u
				}
				rec := newRecorder()
				o := &reconnect.Options{
					Dial: client.Options{Subprotocols: []string{sub}},
					Backoff: backoffFunc(func(int) time.Duration {
						fire("Backoff")
						return 10 * time.Millisecond
					}),
					Final: func(err error) bool {
						fire("Final")
						return reconnect.DefaultFinal(err)
					},
					OnConnect: func(context.Context, *client.Conn) error {
						fire("OnConnect")
						return nil
					},
					OnState: func(e reconnect.Event) {
						// fire first: once the test has seen an event,
						// that event's fire has passed.
						fire("OnState(" + e.State.String() + ")")
						rec.on(e)
					},
					Heartbeat: &reconnect.Heartbeat{
						Interval: 30 * time.Millisecond,
						Timeout:  5 * time.Second,
						Ping: func() (client.MessageType, []byte) {
							fire("Heartbeat.Ping")
							return client.MessageText, []byte("ping")
						},
						IsPong: func(_ client.MessageType, p []byte) bool {
							if string(p) == "trigger" {
								fire("Heartbeat.IsPong")
							}
							return string(p) == "ping"
						},
					},
				}
				url := wstest.URL(t, "/echo?id="+id)
				o.Endpoint = func(context.Context) (string, *client.Options, error) {
					fire("Endpoint")
					return url, nil, nil
				}
				c, err := reconnect.Dial(ctxFor(t, 10*time.Second), "", o)
				require.NoError(t, err)
				t.Cleanup(func() { closeBounded(t, c) })
				conn.Store(c)
				stop := c.OnDisconnect(func(error) { fire("OnDisconnect") })
				defer stop()
				// The first connection's OnState(Connected) may come after
				// Dial returns: arm only once it has passed, so that the
				// calls run from the callback the test makes run below.
				rec.wait(t, reconnect.Connected)
				armed.Store(true)

				// Make the callback run.
				ctx := ctxFor(t, 10*time.Second)
				switch cb.name {
				case "Heartbeat.Ping": // the silence after the dial does
				case "Heartbeat.IsPong":
					require.NoError(t, c.Write(ctx, client.MessageText, []byte("trigger")))
				case "OnState(closed)":
					closed := make(chan error, 1)
					go func() { closed <- c.Close(client.StatusNormalClosure, "") }()
					select {
					case err := <-closed:
						require.NoError(t, err, "Close")
					case <-ctx.Done():
						t.Fatal("Close did not return: its OnState(Closed) deadlocks")
					}
				default: // a lost connection
					require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
				}
				var u callbackUse
				select {
				case u = <-got:
				case <-ctx.Done():
					t.Fatalf("%s: the calls from inside it did not return in 10 s (deadlock); states so far: %v", cb.name, rec.states())
				}

				if use != "methods" {
					if cb.name == "OnState(closed)" {
						require.ErrorIs(t, u.closeErr, net.ErrClosed, "%s from OnState(closed): already closed", use)
					} else {
						require.NoError(t, u.closeErr, "%s from %s", use, cb.name)
						rec.wait(t, reconnect.Closed)
					}
					assert.Equal(t, reconnect.Closed, c.State(), "State after %s", use)
					_, _, err := c.Read(ctx)
					require.ErrorIs(t, err, net.ErrClosed, "Read after %s", use)
					require.ErrorIs(t, c.Write(ctx, client.MessageText, []byte("x")), net.ErrClosed, "Write after %s", use)
					return
				}

				assert.Equal(t, cb.state, u.state, "State from %s", cb.name)
				assert.Equal(t, cb.sub, u.sub, "Subprotocol from %s", cb.name)
				if cb.name == "OnState(closed)" {
					require.ErrorIs(t, u.readErr, net.ErrClosed, "Read from OnState(closed)")
					require.ErrorIs(t, u.writeErr, net.ErrClosed, "Write from OnState(closed)")
					return
				}
				require.ErrorIs(t, u.readErr, context.DeadlineExceeded, "Read (50 ms) from %s: nothing to read", cb.name)
				require.NoError(t, u.writeErr, "Write from %s", cb.name)
				// What the callback wrote comes back, sent at once or from
				// the queue on the next connection.
				for {
					_, p, err := c.Read(ctx)
					require.NoError(t, err, "the echo of %q (queued: %v)", msg, cb.queued)
					if string(p) == msg {
						break
					}
				}
				echo(t, c, "after")
			})
		}
	}
}

// closeBounded closes c, failing t if CloseNow does not return within
// 10 s.
func closeBounded(t *testing.T, c *reconnect.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.CloseNow()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("CloseNow did not return in 10 s")
	}
}

// TestCloseFromCallbackIsClose: a Final or Backoff that closes the Conn
// and then says to stop leaves the Conn closed, not given up: Read and
// Write say net.ErrClosed, not ErrGaveUp, and OnState(Closed) carries no
// error.
func TestCloseFromCallbackIsClose(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Final", "Backoff"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			var conn atomic.Pointer[reconnect.Conn]
			closeErr := make(chan error, 1)
			rec := newRecorder()
			o := &reconnect.Options{OnState: rec.on}
			if name == "Final" {
				o.Final = func(error) bool {
					closeErr <- conn.Load().Close(client.StatusNormalClosure, "")
					return true
				}
			} else {
				o.Backoff = backoffFunc(func(int) time.Duration {
					closeErr <- conn.Load().Close(client.StatusNormalClosure, "")
					return -1
				})
			}
			c, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo?id="+id), o)
			require.NoError(t, err)
			t.Cleanup(func() { closeBounded(t, c) })
			conn.Store(c)
			rec.wait(t, reconnect.Connected)
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			e := rec.wait(t, reconnect.Closed)
			require.NoError(t, <-closeErr, "Close from %s", name)
			assert.NoError(t, e.Err, "OnState(Closed) after Close")

			ctx := ctxFor(t, 5*time.Second)
			_, _, err = c.Read(ctx)
			require.ErrorIs(t, err, net.ErrClosed, "Read")
			assert.NotErrorIs(t, err, reconnect.ErrGaveUp, "Read")
			err = c.Write(ctx, client.MessageText, []byte("x"))
			require.ErrorIs(t, err, net.ErrClosed, "Write")
			assert.NotErrorIs(t, err, reconnect.ErrGaveUp, "Write")
		})
	}
}

// TestCloseWaitsForCallbacks: Close and CloseNow wait for the Conn's
// goroutines but one that is in a callback then, and Done is closed once
// every goroutine has returned, the last after OnState(Closed):
//   - Close from outside returns while a callback still runs, and Done is
//     not closed until that callback and then OnState(Closed) return;
//   - so too while OnState(Closed) runs after the Conn gave up;
//   - Close from inside a callback returns, and Done is closed only once
//     that callback has returned;
//   - giving up closes Done, with no Close;
//   - with no callback running, Close returns with Done closed.
func TestCloseWaitsForCallbacks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// blockOn is the callback that blocks until the test releases it,
		// "" if none does.
		blockOn string
		// giveUp: the Conn gives up (its connection is lost, and Final
		// says final) before the test closes it, if it does.
		giveUp bool
		// closeFrom: who calls CloseNow: "outside" (the test), "IsPong"
		// (the callback, as it blocks), or "" (nobody).
		closeFrom string
	}{
		{"Close from outside while IsPong runs", "IsPong", false, "outside"},
		{"Close from outside while OnState(Closed) runs after giving up", "OnState(closed)", true, "outside"},
		{"Close from inside IsPong", "IsPong", false, "IsPong"},
		{"Done after giving up", "", true, ""},
		{"Close from outside with no callback running", "", false, "outside"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := wstest.ID(t)
			var conn atomic.Pointer[reconnect.Conn]
			var inCallback atomic.Int32 // callbacks running
			var heardClosed atomic.Bool
			blocked, release := make(chan struct{}), make(chan struct{})
			var blockOnce, releaseOnce sync.Once
			unblock := func() { releaseOnce.Do(func() { close(release) }) }
			// What CloseNow from IsPong returned, and whether Done was
			// closed then.
			var insideErr error
			var insideDone bool
			block := func(where string) {
				if where != tt.blockOn {
					return
				}
				blockOnce.Do(func() {
					if tt.closeFrom == "IsPong" {
						c := conn.Load()
						insideErr = c.CloseNow() // must not wait for itself
						insideDone = isDone(c)
					}
					close(blocked)
					<-release
				})
			}
			o := &reconnect.Options{Backoff: fast}
			if tt.blockOn != "" || tt.giveUp {
				// The callbacks, which the last case must not have: none
				// of them may run as it closes.
				o.Final = func(error) bool { return true }
				o.OnState = func(e reconnect.Event) {
					inCallback.Add(1)
					defer inCallback.Add(-1)
					if e.State == reconnect.Closed {
						block("OnState(closed)")
						heardClosed.Store(true)
					}
				}
				o.Heartbeat = &reconnect.Heartbeat{
					Interval: time.Minute,
					IsPong: func(_ client.MessageType, p []byte) bool {
						inCallback.Add(1)
						defer inCallback.Add(-1)
						if string(p) == "block" {
							block("IsPong")
						}
						return false
					},
				}
			}
			c, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo?id="+id), o)
			require.NoError(t, err)
			conn.Store(c)
			t.Cleanup(func() { closeBounded(t, c) })
			t.Cleanup(unblock) // before closeBounded
			ctx := ctxFor(t, 10*time.Second)
			if tt.giveUp {
				require.Equal(t, 1, wstest.Kick(t, id, 0, "")) // final: gives up
				_, _, err := c.Read(ctx)
				require.ErrorIs(t, err, reconnect.ErrGaveUp)
			}
			if tt.blockOn == "IsPong" {
				require.NoError(t, c.Write(ctx, client.MessageText, []byte("block")))
			}
			if tt.blockOn != "" {
				select {
				case <-blocked:
				case <-ctx.Done():
					t.Fatalf("%s never ran", tt.blockOn)
				}
			}

			if tt.closeFrom == "outside" {
				closed := make(chan error, 1)
				go func() { closed <- c.CloseNow() }()
				select {
				case err := <-closed:
					if tt.giveUp {
						require.ErrorIs(t, err, reconnect.ErrGaveUp, "CloseNow after giving up")
					} else {
						require.NoError(t, err, "CloseNow")
					}
				case <-ctx.Done():
					t.Fatalf("CloseNow did not return while %s ran (it waited for it)", tt.blockOn)
				}
				if tt.blockOn == "" {
					assert.True(t, isDone(c), "Done closed when CloseNow returns, no callback running")
				}
			}
			if tt.closeFrom == "IsPong" {
				require.NoError(t, insideErr, "CloseNow from IsPong")
				assert.False(t, insideDone, "Done closed while IsPong, which called CloseNow, ran")
			}
			if tt.blockOn != "" {
				assert.False(t, isDone(c), "Done closed while %s ran", tt.blockOn)
				if tt.blockOn == "IsPong" {
					assert.False(t, heardClosed.Load(), "OnState heard Closed while IsPong ran")
				}
				unblock()
			}
			select {
			case <-c.Done():
			case <-ctx.Done():
				t.Fatal("Done was never closed")
			}
			assert.Zero(t, inCallback.Load(), "callbacks running once Done is closed")
			if o.OnState != nil {
				assert.True(t, heardClosed.Load(), "OnState(Closed) returned before Done was closed")
			}
			assert.Equal(t, reconnect.Closed, c.State(), "State once Done is closed")
		})
	}
}

// isDone reports whether c's Done is closed.
func isDone(c *reconnect.Conn) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// TestNoListenerAfterClose: once an OnDisconnect func has called Close,
// no other starts: no callback starts once Close has begun.
func TestNoListenerAfterClose(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, nil)
	var closed, after atomic.Bool
	listener := func(error) {
		if closed.Load() {
			after.Store(true)
			return
		}
		closed.Store(true)
		_ = c.Close(client.StatusNormalClosure, "")
	}
	for range 3 {
		stop := c.OnDisconnect(listener)
		defer stop()
	}
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	rec.wait(t, reconnect.Closed)
	assert.True(t, closed.Load(), "a listener ran")
	assert.False(t, after.Load(), "a listener ran after another had called Close")
}
