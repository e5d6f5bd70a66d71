package reconnect

import (
	"errors"
	"strconv"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

var (
	// ErrGaveUp: the Conn stopped redialling, after a failure that
	// Options.Final called final or after Options.GiveUpAfter failures in
	// a row. Read, Write and Dial return it, joined with that failure
	// (errors.Is and errors.As find both) and with net.ErrClosed.
	ErrGaveUp = errors.New("reconnect: gave up")
	// ErrSendQueueFull: Write found no connection and no room in the send
	// queue (Options.SendQueueLimit); nothing was queued. (The browser's
	// receive queue has its own limit and error:
	// client.ErrReceiveQueueFull.)
	ErrSendQueueFull = errors.New("reconnect: send queue full")
	// ErrNotConnected: Send refused a Volatile message because no
	// connection was open, or the connection was lost under its write.
	ErrNotConnected = errors.New("reconnect: not connected")
	// ErrHeartbeatTimeout: a connection was silent past its heartbeat
	// (Options.Heartbeat), and was closed as dead.
	ErrHeartbeatTimeout = errors.New("reconnect: no message within the heartbeat timeout")
	// ErrUnsent: Close discarded messages that were still queued (the
	// error says how many), or DiscardQueue or Close took out a message
	// that a Send awaited (Await).
	ErrUnsent = errors.New("reconnect: queued messages were never sent")
)

// The errors of this package have one prefix, "reconnect: ", and name
// the URL (masked: internal/redact) once at most. What they say of a
// failure of package client (a refused dial, a close) is composed from
// that error's fields (describe), never from its text, which has its own
// prefix and URL; the error itself stays in the chain. One exception: a
// failure of client.Dial that no redial mends and that has no fields
// (see gaveUp.asIs) is returned with its own text, client's prefix and
// all, since that text alone says what is wrong.

// gaveUp is why a Conn gave up (Conn.end).
type gaveUp struct {
	failures int   // in a row
	unsent   int   // queued messages discarded
	last     error // the last failure
	// asIs: last is a failure of client.Dial that no redial mends (a
	// malformed URL, Options the platform cannot do) and that has no
	// fields to compose from: its own text, which names the URL, is the
	// error's.
	asIs bool
	over time.Duration // Options.MaxElapsed, if that is why
}

// err returns the error of op ("dial", "read"...; "" for OnState's
// Closed) on a Conn that gave up: ErrGaveUp, the last failure and
// net.ErrClosed are in its chain.
func (g *gaveUp) err(op, shown string) error {
	if g.asIs {
		return errs.Join(g.last.Error(), ErrGaveUp, g.last, errs.ErrClosed)
	}
	msg := "reconnect: "
	if op != "" {
		msg += op + " "
	}
	msg += shown + ": gave up after " + plural(g.failures, "failure")
	if g.over > 0 {
		msg += " (trying for longer than Options.MaxElapsed, " + g.over.String() + ")"
	}
	if g.unsent > 0 {
		msg += ", discarding " + plural(g.unsent, "queued message")
	}
	return errs.Join(msg+": "+describe(g.last), ErrGaveUp, g.last, errs.ErrClosed)
}

// failure is a failure of a connection or a dial that this package found
// itself: its detail (the text without the prefix), and its cause.
type failure struct {
	detail string
	err    error
}

func (e *failure) Error() string { return "reconnect: " + e.detail }
func (e *failure) Unwrap() error { return e.err }

// heartbeatFailure: a connection was silent for d, past its heartbeat.
func heartbeatFailure(d time.Duration) error {
	return &failure{"no message within the heartbeat timeout (" + d.String() + ")", ErrHeartbeatTimeout}
}

// pingFailure: the heartbeat's ping could not be written.
func pingFailure(err error) error {
	return &failure{"heartbeat: the ping was not sent: " + describe(err), err}
}

// onConnectFailure: Options.OnConnect returned err.
func onConnectFailure(err error) error { return &failure{"OnConnect: " + err.Error(), err} }

// endpointFailure: Options.Endpoint returned err.
func endpointFailure(err error) error { return &failure{"Endpoint: " + err.Error(), err} }

// Permanent wraps err, an error of Options.Endpoint or Options.OnConnect,
// so that the Conn takes it as final, whatever Options.Final says: the
// Conn stops redialling and ends with ErrGaveUp (and err in its chain).
// For a failure no retry can mend, such as a credential the server has
// revoked. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanent{err}
}

type permanent struct{ err error }

func (e *permanent) Error() string { return e.err.Error() }
func (e *permanent) Unwrap() error { return e.err }

// describe says what err, the failure of a dial or of a connection, was,
// in words for the text of an error of this package that has err in its
// chain: from the fields of the errors it knows, and of others only what
// kind of failure it was.
func describe(err error) string {
	if f, ok := errors.AsType[*failure](err); ok {
		return f.detail
	}
	if de, ok := errors.AsType[*client.DialError](err); ok {
		s := ""
		if de.StatusCode != 0 {
			s = "HTTP " + strconv.Itoa(de.StatusCode)
		}
		if de.Location != "" {
			s += " redirecting to " + redact.URL(de.Location) + " (not followed)"
		}
		if de.RetryAfter > 0 {
			s += " (retry after " + de.RetryAfter.String() + ")"
		}
		if de.Err != nil { // its cause: words of client's, with no prefix
			if s != "" {
				s += ": "
			}
			s += de.Err.Error()
		}
		if s == "" {
			s = "the dial failed"
		}
		return s
	}
	switch {
	case errors.Is(err, client.ErrMessageTooBig):
		return "a message over the read limit (Options.Dial.ReadLimit) came"
	case errors.Is(err, client.ErrInvalidUTF8):
		return "a text message that was not UTF-8 came"
	}
	if ce, ok := errors.AsType[*client.CloseError](err); ok {
		s := "closed with " + strconv.Itoa(int(ce.Code))
		if ce.Reason != "" {
			s += ": " + ce.Reason
		}
		if !ce.WasClean {
			s += " (not clean)"
		}
		return s
	}
	return "the connection failed"
}

func plural(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		s += "s"
	}
	return s
}
