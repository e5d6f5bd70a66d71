package reconnect

import (
	"strconv"
	"time"
)

// State is where a Conn is in its life. The zero value is not a state.
type State int

// The states of a Conn, in the order a Conn usually goes through them.
const (
	// Connecting: a dial is under way (the first, or after a failure).
	Connecting State = iota + 1
	// Connected: a connection is open; Write sends on it.
	Connected
	// Waiting: the last dial failed or the connection was lost; the Conn
	// waits out the backoff before it dials again. Write queues.
	Waiting
	// Closed: for good, by Close or CloseNow, or because the Conn gave up.
	Closed
)

// String returns the state's name, such as "connected".
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Waiting:
		return "waiting"
	case Closed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Event is a change of a Conn's state, as Options.OnState is told it.
type Event struct {
	// State is the new state.
	State State
	// Failures counts the failures in a row so far (see
	// Options.GiveUpAfter); 0 on the first dial and once connected.
	Failures int
	// Err is, for Connecting and Waiting, the failure that came before (nil
	// on the first dial); for Closed, why the Conn ended (nil after Close
	// or CloseNow).
	Err error
	// Delay is, for Waiting, how long until the next dial.
	Delay time.Duration
	// Offline is, for Waiting, that the browser says it is offline: the
	// Conn dials again when the browser's online event comes (Delay is
	// 0). Natively it is never set.
	Offline bool
	// Suspended is, for Waiting, that the page went into the browser's
	// back/forward cache (pagehide): the Conn closed its connection with
	// 1001 (going away) and dials again when the page is shown (pageshow);
	// Delay is 0. Such a loss is not a failure. Natively it is never set.
	Suspended bool
	// Hidden is that the page was hidden (document.hidden) as the event
	// came: a hidden page's Conn does not cut a backoff wait short when
	// the network comes back, and dials at once when shown again. Natively
	// it is never set.
	Hidden bool
	// RTT and SmoothedRTT are Conn.RTT's as the event comes: for Waiting
	// after a lost connection, and for Closed, that connection's last
	// heartbeat round trip and its smoothed value; 0 for Connected and
	// while none was measured. Conn.RTT follows them as they change.
	RTT, SmoothedRTT time.Duration
}
