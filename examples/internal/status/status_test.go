package status_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/reconnect"
)

func TestText(t *testing.T) {
	now := time.Now()
	refused := &client.DialError{URL: "ws://127.0.0.1:1/chat", Err: errors.New("connection refused")}
	away := &client.CloseError{Code: client.StatusGoingAway, Reason: "server stopping", WasClean: true}
	for _, tt := range []struct {
		e    reconnect.Event
		want string
	}{
		{reconnect.Event{State: reconnect.Connecting}, "connecting"},
		{reconnect.Event{State: reconnect.Connecting, Failures: 2, Err: refused}, "connecting, attempt 2: cannot reach the server"},
		{reconnect.Event{State: reconnect.Connected}, "connected"},
		{reconnect.Event{State: reconnect.Waiting, Failures: 1, Err: away, Delay: 2500 * time.Millisecond}, "reconnecting in 3 s, attempt 1: the server went away (1001: server stopping)"},
		{reconnect.Event{State: reconnect.Waiting, Failures: 0, Err: away, Delay: time.Second}, "reconnecting in 1 s, attempt 1: the server went away (1001: server stopping)"},
		{reconnect.Event{State: reconnect.Waiting, Failures: 3, Err: refused, Offline: true}, "offline: waiting for the network"},
		{reconnect.Event{State: reconnect.Closed}, "closed"},
		{reconnect.Event{State: reconnect.Closed, Err: &codec.RemoteError{Code: "name_taken", Message: `the name "ann" is taken`}}, `closed: the name "ann" is taken`},
	} {
		assert.Equal(t, tt.want, status.FromEvent(tt.e, now).Text(now), "%+v", tt.e)
	}
	s := status.FromEvent(reconnect.Event{State: reconnect.Waiting, Failures: 1, Err: refused, Delay: 3 * time.Second}, now)
	assert.Equal(t, "reconnecting in 1 s, attempt 1: cannot reach the server", s.Text(now.Add(2500*time.Millisecond)), "counting down")
	assert.Equal(t, "reconnecting in 0 s, attempt 1: cannot reach the server", s.Text(now.Add(time.Minute)), "never below 0")
}

type reasoned struct{}

func (reasoned) Error() string  { return "demo: the name is empty" }
func (reasoned) Reason() string { return "the name is empty" }

func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{reasoned{}, "the name is empty"},
		{errors.Join(errors.New("wrapped"), reasoned{}), "the name is empty"},
		{&client.DialError{URL: "ws://x", StatusCode: 503}, "the server refused the connection (HTTP 503)"},
		{&client.CloseError{Code: 1006}, "the connection was lost (1006)"},
		{&client.CloseError{Code: 4000, Reason: "replaced", WasClean: true}, "the server closed the connection (4000: replaced)"},
		{reconnect.ErrHeartbeatTimeout, "the server stopped answering"},
		{context.Canceled, "closed"},
		{context.DeadlineExceeded, "timed out"},
		{errors.New("something else"), "something else"},
	} {
		assert.Equal(t, tt.want, status.Explain(tt.err), "%v", tt.err)
	}
}
