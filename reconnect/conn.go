package reconnect

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

// Conn is a WebSocket connection that dials again when it is lost, with
// the Read and Write of client.Conn.
//
// Read returns the messages of one connection after another: a lost
// connection is not an error of Read, which waits for the next. Messages
// the server sent while there was no connection are not there to read;
// Options.OnConnect and Options.OnState are where a program learns of a
// new connection, to catch up. The Conn reads ahead of Read, up to
// Options.ReadAhead bytes, so that a lost connection is noticed (and
// redialled, and the heartbeat goes on) while received messages wait for
// the program; they are still returned, before the next connection's.
//
// Write sends on the open connection, or, while there is none, queues a
// copy of the message and returns nil; the queue is sent, in order, on
// the next connection, and a Write meanwhile waits for it to be sent. A
// Write that fails because the connection broke under it queues its
// message for the next connection too. A message is sent at most once:
// once a connection has taken it (client.Conn.Write returned nil) it is
// never sent again, whatever happens to that connection. What no Write
// can know is whether a message written just before a connection was
// lost reached the server: codec.Call with codec.Idempotent resends
// requests whose reply never came.
//
// Read may be called by one goroutine at a time, Write by any number,
// Close and CloseNow by any goroutine at any time, from the Conn's own
// callbacks too (see Options). After Close, CloseNow, or giving up, Read
// and Write return an error with net.ErrClosed in its chain.
//
// Every method returns within its ctx, or a bound the server cannot move:
// Close waits at most Options.Dial.CloseTimeout for the server's answer,
// CloseNow not at all. Both also wait for the Conn's goroutines to end
// (which client.Conn's CloseNow sees to), but not for one while it is
// in a callback: that callback may be the caller. Done says when
// everything, callbacks included, is over: see Close.
type Conn struct {
	o       Options
	ctx     context.Context // ends with the Conn
	cancel  context.CancelFunc
	in      *inbox        // received messages, waiting for Read
	up      chan struct{} // closed at the first connection
	done    chan struct{} // closed when the last goroutine returns (Done)
	dialer  task          // run's goroutine
	wake    chan struct{} // 1-buffered: the page is shown again (page.go)
	online  chan struct{} // 1-buffered: the browser is online again (page.go)
	offline func() bool   // nil natively

	mu       sync.Mutex
	url      string // the URL of the last dial (Options.Endpoint's), or Dial's
	shown    string // url as errors show it: redact.URL(url)
	state    State
	cur      *link // the open connection, nil if none
	flushing bool  // run is sending the queue on cur
	queue    []message
	queued   int64 // what queue counts towards SendQueueLimit
	inflight bool  // flush is writing queue[0]
	// setLimit applies SetReadLimit's limit to a connection; nil if it
	// was never called. (A func, so that a program that never calls
	// SetReadLimit does not download client's.)
	setLimit  func(*client.Conn)
	hidden    bool          // the page is hidden (page.go)
	suspended bool          // the page is in the back/forward cache (page.go)
	rtt       time.Duration // the last heartbeat's round trip (RTT)
	srtt      time.Duration // its smoothed value
	closing   bool          // Close or CloseNow was called
	end       *gaveUp       // why the Conn ended, if it gave up; nil if it has not or was closed
	lastErr   error         // the last failure, for Dial's error
	// The Conn's goroutines that have not returned: run's and the
	// readers' (see exit). The last to return calls OnState with
	// closed, the Closed event run leaves as it returns.
	tasks     []*task
	closed    Event
	listeners map[*func(error)]struct{}
	upOnce    sync.Once
}

// task is one of a Conn's goroutines: run, or a connection's reader.
type task struct {
	busy bool          // under Conn.mu: in a callback (see enter)
	done chan struct{} // closed when it returns
}

type message struct {
	typ client.MessageType
	p   []byte
	w   *waiter // in the send queue, the Send that waits for it (Await), if any
}

// link is one connection.
type link struct {
	cc      *client.Conn
	gone    bool               // under Conn.mu: drop has begun
	dead    chan struct{}      // closed when it is lost (drop)
	err     error              // why it was lost; set before dead is closed
	ready   bool               // under Conn.mu: Conn.Ready was called on it
	poke    context.CancelFunc // under Conn.mu: makes the heartbeat ping now, if there is one
	reader  task               // its reading goroutine
	flushed chan struct{}      // closed when the queue has been sent on it, or it failed
}

// Dial dials url (as client.Dial does, with Options.Dial, or what
// Options.Endpoint says) until a connection opens, and returns a Conn
// that keeps dialling again whenever its connection is lost, until
// Close. ctx bounds only this first connection: Dial returns ctx.Err()
// (joined with the last failure) if it ends first, and an error wrapping
// ErrGaveUp if a failure is final or GiveUpAfter failures come first. The
// Conn it returns is Connected (State says so), but Options.OnState may
// hear of that connection only after Dial has returned. New is Dial
// without the wait.
func Dial(ctx context.Context, url string, opts *Options) (*Conn, error) {
	c, err := start("dial", url, opts)
	if err != nil {
		return nil, err
	}
	select {
	case <-c.up:
		return c, nil
	case <-c.done:
		return nil, c.ended("dial")
	case <-ctx.Done():
	}
	select {
	case <-c.up:
		return c, nil
	default:
	}
	c.CloseNow()
	c.mu.Lock()
	last, shown := c.lastErr, c.shown
	c.mu.Unlock()
	if last == nil {
		return nil, errs.Wrap("reconnect: dial "+shown, ctx.Err())
	}
	return nil, errs.Join("reconnect: dial "+shown+": "+ctx.Err().Error()+"; the last failure: "+describe(last), ctx.Err(), last)
}

// New returns a Conn at once, Connecting, which dials url (as Dial does)
// in the background and goes on as Dial's does: a page that starts
// offline, or a server still booting, leaves the program a Conn to write
// to all the same. Writes queue until the first connection opens (see
// Write), Read waits for it, and Options.OnState tells the program what
// happens; a final failure, or GiveUpAfter failures in a row, end it as
// they end any Conn (ErrGaveUp from Read and Write, and in OnState's
// Closed). The error is for Options that cannot work, such as a
// Heartbeat without an Interval.
func New(url string, opts *Options) (*Conn, error) {
	return start("new", url, opts)
}

// start makes a Conn and sets it dialling; op names the caller in errors.
func start(op, url string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	shown := redact.URL(url)
	if h := o.Heartbeat; h != nil && h.Interval <= 0 {
		return nil, errors.New("reconnect: " + op + " " + shown + ": Options.Heartbeat.Interval must be positive")
	}
	c := &Conn{
		url:       url,
		shown:     shown,
		o:         o,
		in:        newInbox(),
		up:        make(chan struct{}),
		done:      make(chan struct{}),
		dialer:    task{done: make(chan struct{})},
		state:     Connecting,
		listeners: map[*func(error)]struct{}{},
	}
	c.tasks = []*task{&c.dialer}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wake, c.online = make(chan struct{}, 1), make(chan struct{}, 1)
	stopPage := watchPage(c) // before run: it sets c.hidden and c.offline
	go c.run(stopPage)
	return c, nil
}

// OnDisconnect registers fn to be called, each time a connection is lost,
// with the error that ended it, before the Conn dials again (and before
// OnState hears of it), until stop is called. Messages the lost
// connection delivered may still be waiting for Read then. fn runs on
// the Conn's own goroutine and must not block; like every callback (see
// Options), it may call any method of the Conn: a Write queues. A Conn
// that is closed or gives up calls no fn for that.
//
// It is how codec's Router fails or resends the calls left without a
// reply (see codec.Redialer).
func (c *Conn) OnDisconnect(fn func(err error)) (stop func()) {
	key := &fn
	c.mu.Lock()
	c.listeners[key] = struct{}{}
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.listeners, key)
		c.mu.Unlock()
	}
}

// Close closes the open connection with code and reason, waiting for the
// server's answer as client.Conn's Close does (at most
// Options.Dial.CloseTimeout), and stops redialling. It returns an error
// wrapping ErrUnsent if messages were still queued: they are discarded.
// A queued message whose write Close finds under way is counted only if
// the connection did not take it: the messages counted are exactly the
// last ones queued that were never sent.
// Close after the Conn ended returns an error with net.ErrClosed in its
// chain.
//
// No callback starts once Close has begun, but OnState's Closed, which
// comes last. Close waits for the Conn's goroutines to return, but not
// for one while it is in a callback (Close may be called from it): a
// callback running as Close is called, and OnState(Closed) after it,
// may still run once Close has returned. So Close from a callback
// returns, and Close from elsewhere returns however long a callback
// runs; when no callback runs, Close returns after OnState(Closed). A
// program that must know that no callback runs any more, say before it
// closes a channel that OnState sends on, waits for Done after Close.
func (c *Conn) Close(code client.StatusCode, reason string) error {
	return c.close(func(cc *client.Conn) error { return cc.Close(code, reason) })
}

// CloseContext is Close with the wait for the server's answer bounded by
// ctx instead of Options.Dial.CloseTimeout: see client.Conn.CloseContext.
func (c *Conn) CloseContext(ctx context.Context, code client.StatusCode, reason string) error {
	return c.close(func(cc *client.Conn) error { return cc.CloseContext(ctx, code, reason) })
}

// CloseNow is Close without waiting for the server: see
// client.Conn.CloseNow. It waits for the Conn's goroutines as Close does,
// and Done says when the callbacks are over.
func (c *Conn) CloseNow() error {
	return c.close((*client.Conn).CloseNow)
}

// Done returns a channel that is closed once the Conn has ended (Close,
// CloseNow, giving up) and every goroutine of it has returned, the last
// after OnState(Closed) has returned: from then on no callback runs. As
// with context.Context's Done, waiting for it is how a program knows that
// all is over, for instance that OnState will send nothing more on a
// channel:
//
//	_ = c.Close(client.StatusNormalClosure, "")
//	<-c.Done()
//	close(events)
//
// A callback must not wait for it: it is closed after the callbacks
// return.
func (c *Conn) Done() <-chan struct{} { return c.done }

func (c *Conn) close(closeConn func(*client.Conn) error) error {
	c.mu.Lock()
	if c.closing || c.end != nil {
		c.mu.Unlock()
		c.waitTasks()
		return c.ended("close")
	}
	c.closing = true
	l := c.cur
	c.cur, c.flushing = nil, false
	c.state = Closed
	c.mu.Unlock()

	var err error
	if l != nil {
		err = closeConn(l.cc)
	}
	c.cancel()
	c.waitTasks()
	// What is queued now was never sent. A message flush was writing as
	// Close began has been taken by the connection, or not, since run
	// has returned: waitTasks waited for it, unless our caller is a
	// callback on run's goroutine, which then flushes nothing.
	c.mu.Lock()
	unsent := c.discard(errs.Join("reconnect: write: the Conn was closed while the message waited in the send queue; it was never sent", ErrUnsent, errs.ErrClosed))
	c.mu.Unlock()
	if unsent > 0 {
		err = errors.Join(err, errs.Msg("reconnect: close: "+plural(unsent, "queued message")+" never sent, discarded", ErrUnsent))
	}
	return err
}

// waitTasks waits until each of the Conn's goroutines has returned or
// is in a callback: the caller may be one of those, and they wait for
// it. The others start no callback once the Conn has ended, and return
// soon; the last may tell OnState(Closed) first.
func (c *Conn) waitTasks() {
	for {
		var done chan struct{}
		c.mu.Lock()
		for _, t := range c.tasks {
			if !t.busy {
				done = t.done
				break
			}
		}
		c.mu.Unlock()
		if done == nil {
			return
		}
		<-done
	}
}

// Ready tells the Conn that the open connection is healthy, say once the
// server has answered the program's login: the failures in a row start
// again from zero, as for a connection that outlives
// Options.StableAfter, so that its loss counts as the first failure (and
// its redial waits the backoff's first delay), and Options.MaxElapsed
// starts again. It does nothing while no connection is open (in
// OnConnect, say): call it from OnState's Connected, or later.
func (c *Conn) Ready() {
	c.mu.Lock()
	if c.cur != nil {
		c.cur.ready = true
	}
	c.mu.Unlock()
}

// State returns the Conn's state now. It changes before OnState hears of
// it: Connected as soon as a connection is open (so a Conn fresh from
// Dial is Connected), Waiting as soon as one is lost.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// URL returns the URL of the open connection, or of the last dial:
// the URL Dial was given, or with Options.Endpoint the last one it
// returned.
func (c *Conn) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

// SetReadLimit sets the read limit (client.Options.ReadLimit: n bytes,
// -1 for none, 0 for client.DefaultReadLimit) of the open connection,
// for the messages that arrive from now on, and of every connection
// dialled after it, whatever Options.Dial or Options.Endpoint say.
func (c *Conn) SetReadLimit(n int64) {
	set := func(cc *client.Conn) { cc.SetReadLimit(n) }
	c.mu.Lock()
	c.setLimit = set
	l := c.cur
	c.mu.Unlock()
	if l != nil {
		set(l.cc)
	}
}

// limit applies SetReadLimit's limit, if any, to cc.
func (c *Conn) limit(cc *client.Conn) {
	c.mu.Lock()
	set := c.setLimit
	c.mu.Unlock()
	if set != nil {
		set(cc)
	}
}

// Current returns the open connection, nil if none: for what only a
// client.Conn has (BufferedAmount, Extensions, Transport). The Conn
// reads it and writes the queue on it: a program that reads it, or
// writes on it while the queue is sent, takes messages from under the
// Conn. Closing it is a lost connection, dialled again.
func (c *Conn) Current() *client.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return nil
	}
	return c.cur.cc
}

// Subprotocol returns the subprotocol of the open connection, "" if
// none is open or it has none.
func (c *Conn) Subprotocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return ""
	}
	return c.cur.cc.Subprotocol()
}

// ended returns the error of op on a Conn that has ended.
func (c *Conn) ended(op string) error {
	c.mu.Lock()
	g, shown := c.end, c.shown
	c.mu.Unlock()
	if g != nil {
		return g.err(op, shown)
	}
	if op == "dial" {
		op += " " + shown
	}
	return errs.Wrap("reconnect: "+op, errs.ErrClosed)
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}
