package client_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// errorKind is one kind of error a program tells apart with errors.As or
// errors.Is, and how to check that an error is of it.
type errorKind struct {
	name  string
	check func(t *testing.T, err error, from string)
}

// isKind checks err with errors.Is against each of targets.
func isKind(name string, targets ...error) errorKind {
	return errorKind{name, func(t *testing.T, err error, from string) {
		t.Helper()
		for _, target := range targets {
			assert.ErrorIs(t, err, target, "%s: %s", from, name)
		}
	}}
}

var (
	closeErrorKind = func(code client.StatusCode, reason string) errorKind {
		return errorKind{"*client.CloseError", func(t *testing.T, err error, from string) {
			t.Helper()
			var ce *client.CloseError
			if assert.ErrorAs(t, err, &ce, from) {
				assert.Equal(t, code, ce.Code, from)
				assert.Equal(t, reason, ce.Reason, from)
			}
			assert.Equal(t, code, client.CloseStatus(err), "%s: CloseStatus", from)
			assert.ErrorIs(t, err, net.ErrClosed, "%s: a closed connection is net.ErrClosed", from)
		}}
	}
	dialErrorKind = func(status int) errorKind {
		return errorKind{"*client.DialError", func(t *testing.T, err error, from string) {
			t.Helper()
			var de *client.DialError
			if assert.ErrorAs(t, err, &de, from) {
				assert.Equal(t, status, de.StatusCode, from)
				assert.True(t, strings.Contains(de.URL, "/reject?status="), "%s: the URL, whole: %s", from, de.URL)
			}
		}}
	}
)

// TestErrorKinds: one set of error types and sentinels, whichever
// package made the error: the errors of package client, of package
// reconnect over it, and (in the browser: errors_js_test.go) of package
// wasm are told apart with client's names, by errors.As and errors.Is,
// never by their text.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 30*time.Second)
	final := func(error) bool { return true }
	for _, tt := range []struct {
		from string
		make func(t *testing.T) error
		kind errorKind
	}{
		{"client: a server's close", func(t *testing.T) error {
			c := dial(t, "/close?code=4000&reason=bye", nil)
			_, _, err := c.Read(ctx)
			return err
		}, closeErrorKind(4000, "bye")},
		{"client: a refused handshake", func(t *testing.T) error {
			_, err := client.Dial(ctx, wstest.URL(t, "/reject?status=403"), nil)
			return err
		}, dialErrorKind(wantDialStatus(403))},
		{"client: a message over the read limit", func(t *testing.T) error {
			c := dial(t, "/echo", &client.Options{ReadLimit: 16})
			require.NoError(t, c.Write(ctx, client.MessageBinary, make([]byte, 100)))
			_, _, err := c.Read(ctx)
			return err
		}, isKind("ErrMessageTooBig", client.ErrMessageTooBig, net.ErrClosed)},
		{"client: text that is not UTF-8", func(t *testing.T) error {
			return dial(t, "/echo", nil).Write(ctx, client.MessageText, []byte{0xff})
		}, isKind("ErrInvalidUTF8", client.ErrInvalidUTF8)},
		{"client: a close code no client may send", func(t *testing.T) error {
			return dial(t, "/echo", nil).CloseContext(ctx, 999, "")
		}, isKind("ErrInvalidCloseCode", client.ErrInvalidCloseCode)},
		{"client: a write after Close", func(t *testing.T) error {
			c := dial(t, "/echo", nil)
			require.NoError(t, c.CloseContext(ctx, client.StatusNormalClosure, ""))
			return c.Write(ctx, client.MessageText, []byte("late"))
		}, isKind("net.ErrClosed", net.ErrClosed)},

		{"reconnect: a server's close, final", func(t *testing.T) error {
			// The server closes once the Conn is up: a close that came
			// before Dial returned would end Dial itself.
			id := wstest.ID(t) + "-close"
			c := reconnectDial(t, "/echo?id="+id, &reconnect.Options{Final: final})
			require.Equal(t, 1, wstest.Kick(t, id, 4000, "bye"))
			_, _, err := c.Read(ctx)
			require.ErrorIs(t, err, reconnect.ErrGaveUp)
			return err
		}, closeErrorKind(4000, "bye")},
		{"reconnect: a refused handshake", func(t *testing.T) error {
			_, err := reconnect.Dial(ctx, wstest.URL(t, "/reject?status=403"), &reconnect.Options{Final: final})
			require.ErrorIs(t, err, reconnect.ErrGaveUp)
			return err
		}, dialErrorKind(wantDialStatus(403))},
		{"reconnect: a message over the read limit", func(t *testing.T) error {
			c := reconnectDial(t, "/echo", &reconnect.Options{Final: final, Dial: client.Options{ReadLimit: 16}})
			require.NoError(t, c.Write(ctx, client.MessageBinary, make([]byte, 100)))
			_, _, err := c.Read(ctx)
			return err
		}, isKind("ErrMessageTooBig", client.ErrMessageTooBig, reconnect.ErrGaveUp, net.ErrClosed)},
		{"reconnect: text that is not UTF-8", func(t *testing.T) error {
			return reconnectDial(t, "/echo", nil).Write(ctx, client.MessageText, []byte{0xff})
		}, isKind("ErrInvalidUTF8", client.ErrInvalidUTF8)},
		{"reconnect: a silent server", func(t *testing.T) error {
			c := reconnectDial(t, "/silent", &reconnect.Options{Final: final,
				Heartbeat: &reconnect.Heartbeat{Interval: 50 * time.Millisecond, Timeout: 100 * time.Millisecond}})
			_, _, err := c.Read(ctx)
			return err
		}, isKind("ErrHeartbeatTimeout", reconnect.ErrHeartbeatTimeout, reconnect.ErrGaveUp, net.ErrClosed)},
		{"reconnect: a full send queue, then Close", func(t *testing.T) error {
			id := wstest.ID(t) + "-queue"
			c := reconnectDial(t, "/echo?id="+id, &reconnect.Options{
				SendQueueLimit: 64,
				Backoff:        waitLong{},
			})
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			for c.State() == reconnect.Connected {
				require.NoError(t, ctx.Err(), "the Conn did not see its connection end")
				time.Sleep(time.Millisecond)
			}
			require.NoError(t, c.Write(ctx, client.MessageBinary, make([]byte, 8)), "queued")
			err := c.Write(ctx, client.MessageBinary, make([]byte, 64))
			assert.ErrorIs(t, err, reconnect.ErrSendQueueFull, "over SendQueueLimit")
			return c.Close(client.StatusNormalClosure, "")
		}, isKind("ErrUnsent", reconnect.ErrUnsent)},
	} {
		err := tt.make(t)
		require.Error(t, err, tt.from)
		tt.kind.check(t, err, tt.from)
	}
}

// reconnectDial is dial for a reconnect.Conn.
func reconnectDial(t *testing.T, path string, o *reconnect.Options) *reconnect.Conn {
	t.Helper()
	c, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, path), o)
	require.NoError(t, err, "dial %s", path)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// waitLong is a reconnect.Backoff that keeps a Conn waiting, so that
// what it is given meanwhile is queued.
type waitLong struct{}

func (waitLong) Delay(int) time.Duration { return time.Hour }
