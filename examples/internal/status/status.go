// Package status is what the demos' pages and terminal clients show of a
// connection: connecting, connected, reconnecting in N s (attempt K),
// offline, or closed, and why, in words a person reads. It is the one
// place where the demos read package reconnect's state events.
package status

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/reconnect"
)

// reasoner is an error with words for a person apart from its text.
type reasoner interface {
	error
	Reason() string
}

// State is where a connection is.
type State int

// The states, in the order a connection usually goes through them.
const (
	// Connecting: a dial is under way.
	Connecting State = iota + 1
	// Connected: open, and ready.
	Connected
	// Reconnecting: the last dial failed or the connection was lost;
	// the next dial is at Status.Retry.
	Reconnecting
	// Offline: the browser says it has no network; the next dial is
	// when it comes back.
	Offline
	// Closed: for good, by the program or because the failure was final
	// (Status.Err says which).
	Closed
)

// String returns the state's name, as the pages' data-state attribute
// carries it.
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Offline:
		return "offline"
	case Closed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Status is a connection's state, with what a person needs to read it.
type Status struct {
	State State
	// Attempt numbers the redials since the last connection (or the
	// first dial): of the dial under way (Connecting; 0 for the first
	// dial) or the next one (Reconnecting). It is reconnect's count of
	// failures in a row, in which a lost connection counts as one.
	Attempt int
	// Retry is, for Reconnecting, when the next dial starts.
	Retry time.Time
	// Err is the failure that came before (Connecting, Reconnecting,
	// Offline), or why the connection ended (Closed; nil when the
	// program closed it).
	Err error
}

// FromEvent returns the Status that a reconnect event announces, at now.
func FromEvent(e reconnect.Event, now time.Time) Status {
	s := Status{Attempt: e.Failures, Err: e.Err}
	switch {
	case e.State == reconnect.Connecting:
		s.State = Connecting
	case e.State == reconnect.Connected:
		s = Status{State: Connected}
	case e.State == reconnect.Waiting && e.Offline:
		s.State = Offline
	case e.State == reconnect.Waiting:
		s.State = Reconnecting
		s.Attempt = max(e.Failures, 1) // a redial follows, even after a loss that does not count
		s.Retry = now.Add(e.Delay)
	default:
		s = Status{State: Closed, Err: e.Err}
	}
	return s
}

// Text says s in a line, counting down to the next dial from now:
// "connecting", "connected", "reconnecting in 3 s, attempt 2: the server
// went away (1001: server stopping)", "offline: waiting for the
// network", "closed: ...".
func (s Status) Text(now time.Time) string {
	var b strings.Builder
	switch s.State {
	case Connecting:
		b.WriteString("connecting")
		if s.Attempt > 0 {
			b.WriteString(", attempt " + strconv.Itoa(s.Attempt))
		}
	case Connected:
		return "connected"
	case Reconnecting:
		b.WriteString("reconnecting in " + strconv.Itoa(secondsUntil(s.Retry, now)) + " s, attempt " + strconv.Itoa(s.Attempt))
	case Offline:
		return "offline: waiting for the network"
	case Closed:
		if s.Err == nil {
			return "closed"
		}
		return "closed: " + Explain(s.Err)
	default:
		return s.State.String()
	}
	if s.Err != nil {
		b.WriteString(": " + Explain(s.Err))
	}
	return b.String()
}

// secondsUntil is the whole seconds from now to t, rounded up, at least 0.
func secondsUntil(t, now time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// Explain says what err, the failure of a dial, a connection or a call,
// means to a person, in a short phrase with no package prefixes: what
// was wrong with the input (an error's Reason method, such as chat's and
// echo's have), what a server refused with (a *codec.RemoteError's own
// message), a close and its reason, a server that cannot be reached. The
// whole error stays available to a program for errors.Is and errors.As.
func Explain(err error) string {
	if r, ok := errors.AsType[reasoner](err); ok {
		return r.Reason()
	}
	if re, ok := errors.AsType[*codec.RemoteError](err); ok {
		return re.Message
	}
	switch {
	case errors.Is(err, reconnect.ErrHeartbeatTimeout):
		return "the server stopped answering"
	case errors.Is(err, client.ErrMessageTooBig):
		return "the server sent a message over the read limit"
	case errors.Is(err, context.Canceled):
		return "closed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	if de, ok := errors.AsType[*client.DialError](err); ok {
		if de.StatusCode != 0 {
			return "the server refused the connection (HTTP " + strconv.Itoa(de.StatusCode) + ")"
		}
		return "cannot reach the server"
	}
	if ce, ok := errors.AsType[*client.CloseError](err); ok {
		s := "the server closed the connection (" + strconv.Itoa(int(ce.Code))
		switch {
		case ce.Code == client.StatusGoingAway:
			s = "the server went away (" + strconv.Itoa(int(ce.Code))
		case !ce.WasClean:
			s = "the connection was lost (" + strconv.Itoa(int(ce.Code))
		}
		if ce.Reason != "" {
			s += ": " + ce.Reason
		}
		return s + ")"
	}
	return err.Error()
}
