package reconnect

import (
	"context"
	"time"

	"github.com/duplex-go/duplex/client"
)

// The defaults of Options and Exponential.
const (
	DefaultInitialDelay   = 500 * time.Millisecond
	DefaultMaxDelay       = 30 * time.Second
	DefaultMultiplier     = 2
	DefaultStableAfter    = 5 * time.Second
	DefaultRestartWindow  = time.Second
	DefaultTryAgainDelay  = 5 * time.Second
	DefaultSendQueueLimit = 1 << 20
	DefaultReadAhead      = 64 << 10
)

// msgOverhead is what each message queued or held counts towards
// Options.SendQueueLimit or Options.ReadAhead on top of its buffer, so that a
// flood of empty messages is bounded too.
const msgOverhead = 32

// Options configures a Conn. A nil *Options means the zero value, whose
// every field has a documented default.
//
// # Callbacks
//
// The funcs a program gives here (OnState, Endpoint, OnConnect, Final,
// Backoff, Heartbeat.Ping and Heartbeat.IsPong), and those of
// Conn.OnDisconnect,
// run on the Conn's own goroutines, one at a time on each: the heartbeat's
// on the reading goroutine (one connection's after the last one's, never
// both at once), the others on the goroutine that dials, but OnState's
// Closed, which runs last, alone, on whichever returns last. They may
// call any method of the Conn: nothing deadlocks, and each call does what
// it would anywhere else.
//   - Write queues while no connection is open (Endpoint, OnConnect,
//     Final, Backoff, OnDisconnect, OnState of Connecting and Waiting);
//     from OnState of Connected, Ping and IsPong it sends, after the
//     queue. Give it a ctx with a deadline, as anywhere: a server that
//     stops reading holds a Write, and the callback with it. (Send with
//     Await from the dialling goroutine's callbacks waits until its ctx:
//     the connection it waits for is dialled once the callback returns.)
//   - Read returns a message already received, or waits for one with its
//     ctx; from Ping and IsPong (the reading goroutine) no new one comes
//     while it waits.
//   - State, Subprotocol and Current say where the Conn is: Waiting as
//     soon as a connection is lost, so in OnDisconnect, Final and Backoff;
//     "" and nil while no connection is open (the connection OnConnect is
//     given has its own).
//   - Close and CloseNow close the Conn and return: they do not wait for
//     the goroutine of the callback that called them (see Conn.Close),
//     and the Conn's goroutines end once it returns. No callback starts
//     once Close has begun, but OnState's Closed. A callback must not wait
//     for Conn.Done, nor for a Close made on another goroutine, which may
//     wait for OnState(Closed). From OnConnect, its ctx ends, and the
//     connection it was given is cut once it returns, as by CloseNow,
//     whatever code Close was given: to send a close code on it, call its
//     own Close first.
//
// A callback must not block for long: redialling, or reading, waits for
// it.
type Options struct {
	// Dial is what each connection is dialled with, unless Endpoint says
	// otherwise.
	Dial client.Options

	// Endpoint, if set, is called before every dial, the first included,
	// for the URL and the client.Options of that dial: nil Options mean
	// Dial. It is where a fresh credential comes from (a page can send
	// one only in the URL, or in a first message: see OnConnect), so that
	// a redial an hour later does not present a token that has expired.
	// The URL given to Dial or New then names the Conn only until the
	// first call. Its ctx ends with Dial.HandshakeTimeout or Close. An
	// error fails the attempt as a failed dial does (counted, given to
	// Final, waited out under the backoff); an error wrapped by Permanent
	// ends the Conn (ErrGaveUp), whatever Final says.
	Endpoint func(ctx context.Context) (url string, dial *client.Options, err error)

	// Backoff says how long to wait before each redial; nil means
	// Exponential{} (500 ms, doubling, up to 30 s, with full jitter).
	// When the server says when to come back (a refusal's Retry-After,
	// natively: browsers hide it; retry-after=N in a close's reason; 1013,
	// try again later), that is waited out when it is longer, up to the
	// backoff's cap: Exponential's Max (whether the Backoff is an
	// Exponential or a pointer to one), or DefaultMaxDelay (30 s) for any
	// other Backoff. So a server that says "retry after a century" is
	// asked again after the cap, not never. See DefaultFinal.
	Backoff Backoff

	// GiveUpAfter is how many failures in a row end the Conn (with
	// ErrGaveUp); 0 means it never gives up on its own. A failure is a
	// dial that fails, or the loss of a connection that was not yet
	// stable: lost less than StableAfter after it opened, and before the
	// program called Conn.Ready on it.
	GiveUpAfter int

	// MaxElapsed bounds the time spent trying: when the failures in a row
	// began more than MaxElapsed before the next dial would start, the
	// Conn gives up (ErrGaveUp) instead of waiting for it. 0 means no
	// bound. The clock starts at the first failure after a stable
	// connection (or at New or Dial), and starts again with the count.
	MaxElapsed time.Duration

	// RestartWindow is how long redials are spread over after the server
	// closed the connection saying it goes away (1001) or restarts
	// (1012): each Conn waits a random time from 0 to RestartWindow, so
	// that a server's clients do not all come back at the same moment.
	// Such a close is not a failure, however young the connection: the
	// failures in a row start again from zero. 0 means 1 s; a negative
	// value, no wait. A retry-after=N in the close's reason is honoured
	// (see DefaultFinal).
	RestartWindow time.Duration

	// StableAfter is how long a connection must stay open for the count
	// of failures to start again from zero when it is lost; 0 means 5 s,
	// a negative value never (only Conn.Ready then says a connection is
	// stable). A server that accepts and then at once drops every
	// connection is thus redialled with a growing delay, not in a tight
	// loop.
	StableAfter time.Duration

	// Final reports whether a failure is final: the Conn then stops
	// redialling and ends with ErrGaveUp. nil means DefaultFinal. An
	// error wrapped by Permanent is final whatever Final says, and so is
	// an error of client.Dial that is not a *client.DialError (a malformed
	// URL, Options the platform does not support): no redial can mend it. The Conn's error is then that error as
	// client.Dial gave it, with ErrGaveUp and net.ErrClosed in its chain.
	Final func(err error) bool

	// OnConnect, if set, runs on each new connection before anything else
	// is sent or read on it: to log in, or to subscribe again. It may
	// read and write c; Read and Write of the Conn wait (queue) meanwhile.
	// An error fails the attempt (counted, and given to Final; one
	// wrapped by Permanent is final). Its ctx ends with
	// Dial.HandshakeTimeout or Close.
	OnConnect func(ctx context.Context, c *client.Conn) error

	// ReadAhead bounds, in bytes, the memory of the received messages the
	// Conn holds for Read: each counts its buffer's capacity (cap of the
	// slice Read returns, which may be more than its length: natively at
	// least 512 bytes), and 32 bytes more for its bookkeeping; 0 (or less)
	// means 64 KiB. The Conn reads each connection ahead of Read, so that a
	// connection lost while received messages wait for the program is
	// noticed and redialled, and the heartbeat goes on. Once it holds
	// ReadAhead bytes or more (one message may take it past), it stops
	// reading until Read takes a message: the server's messages then wait
	// in the network (natively TCP pushes back on the server; in the
	// browser they wait in the socket's receive queue, Dial.ReceiveQueueLimit),
	// and until then a lost connection is not noticed and the heartbeat
	// pauses.
	ReadAhead int64

	// SendQueueLimit bounds, in bytes, the send queue: the messages Write
	// queues while there is no connection (each counts 32 bytes more for
	// its bookkeeping); past it Write fails with ErrSendQueueFull. 0 means
	// 1 MiB; a negative value means no queue: Write fails at once while
	// disconnected. (The browser's receive queue is another, bounded by
	// Dial.ReceiveQueueLimit.) Conn.Queued says what it holds, and
	// Conn.DiscardQueue empties it.
	SendQueueLimit int64

	// SendQueueCount bounds the send queue by its number of messages as
	// well; past it Write fails with ErrSendQueueFull. 0 means no bound
	// but SendQueueLimit's.
	SendQueueCount int

	// Heartbeat, if set, finds connections that died without a word: see
	// Heartbeat. nil means none (the operating system or the browser may
	// take minutes to notice a dead peer).
	Heartbeat *Heartbeat

	// OnState, if set, is told each change of state, in order and one at
	// a time, from the Conn's own goroutines; Closed comes last, once the
	// Conn's other goroutines have returned and no other callback runs,
	// and Conn.Done is closed once it returns. Close may return before
	// it (see Conn.Close): a program that stops listening once the Conn
	// is closed, say by closing a channel OnState sends on, waits for
	// Conn.Done first. OnState hears of a state after Conn.State says it:
	// the first connection's Connected may come after Dial has returned.
	// It must not block for long: redialling waits for it. Like every
	// callback, it may call any method of the Conn (see Callbacks above).
	OnState func(Event)

	hooks *hooks // for this package's tests only
}

// Heartbeat finds a dead connection by its silence, in the same way on
// both platforms: browsers give pages no WebSocket ping, so it is built
// from messages. When no message has arrived for Interval, Ping (if set)
// is sent; if still nothing has arrived Timeout later, the connection is
// closed as dead (ErrHeartbeatTimeout) and a new one dialled. Each round
// trip, from Ping to the message IsPong accepts, is measured: Conn.RTT.
//
// Each wait is armed afresh when a message arrives or a ping goes out,
// never counted in timer ticks: in a page whose timers the browser
// throttles (a hidden tab's fire at most once a second, and after five
// minutes once a minute), the ping goes out late and the verdict comes
// late, never sooner, while the answer, an event, is not throttled; so a
// hidden tab does not take a healthy connection for dead.
//
// While received messages fill Options.ReadAhead, the Conn reads nothing,
// and the heartbeat pauses until Read makes room.
//
// Natively, Frames sends RFC 6455 ping frames instead of Ping, for a
// server that answers pings (as every WebSocket server does) but has no
// message for it. Without Frames, and always in the browser, the server
// must answer Ping with a message, or send something at least every
// Interval+Timeout on its own.
type Heartbeat struct {
	// Interval is the silence after which Ping is sent. It must be > 0.
	Interval time.Duration
	// Timeout is the further silence after which the connection is dead;
	// 0 means Interval.
	Timeout time.Duration
	// Ping returns the message to send; nil sends nothing.
	Ping func() (client.MessageType, []byte)
	// IsPong reports whether a message answers Ping. Such messages keep
	// the connection alive but Read does not return them. nil means
	// every message is returned (and no round trip is measured).
	IsPong func(typ client.MessageType, p []byte) bool
	// Frames, natively, sends a ping frame (client.Conn.Ping) after
	// Interval of silence instead of Ping, and takes its pong as the
	// answer; the pong must come within Timeout. Browsers let a page send
	// no ping frame: there Frames is ignored, and Ping and IsPong are
	// used.
	Frames bool
}

const (
	// FullJitter, the zero value: at random from 0 to d, as in AWS's
	// analysis ("Exponential Backoff and Jitter"), which finds it spreads
	// clients dropped together the best of the schemes it compares. A
	// Conn goes one step further: the delays of its failures in a row
	// are windows laid end to end (the k-th begins when the one before
	// ends, and lasts d), and it dials at the same random point of each
	// (drawn at the first failure), so that a herd of Conns dropped
	// together dials at an even rate through every window, whatever its
	// size, instead of bunching early in each. (A dial that ends past
	// its window's point, or a wait the server asked for, moves the
	// windows that follow to begin then.) Measured: docs/benchmarks.md,
	// the herd.
	FullJitter Jitter = iota
	// EqualJitter: at random from d/2 to d. Fewer dials than FullJitter,
	// in a wave half as wide.
	EqualJitter
	// NoJitter: d itself. Every client dropped at the same moment dials
	// at the same moments: for tests, and for a single client.
	NoJitter
)

// withDefaults returns o with its defaults filled in.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Backoff == nil {
		r.Backoff = Exponential{}
	}
	if r.StableAfter == 0 {
		r.StableAfter = DefaultStableAfter
	}
	if r.RestartWindow == 0 {
		r.RestartWindow = DefaultRestartWindow
	}
	r.RestartWindow = max(r.RestartWindow, 0)
	if r.Final == nil {
		r.Final = DefaultFinal
	}
	if r.SendQueueLimit == 0 {
		r.SendQueueLimit = DefaultSendQueueLimit
	}
	if r.ReadAhead <= 0 {
		r.ReadAhead = DefaultReadAhead
	}
	if h := r.Heartbeat; h != nil {
		hb := *h
		if hb.Timeout <= 0 {
			hb.Timeout = hb.Interval
		}
		r.Heartbeat = &hb
	}
	return r
}
