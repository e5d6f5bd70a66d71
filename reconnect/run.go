package reconnect

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

// A Conn runs on goroutines of its own besides its users': run, which
// dials, sends the queue and waits out the backoff, and the reading
// goroutine of each connection (read), which reads ahead and runs the
// heartbeat. Both call the program's callbacks (Options); neither holds
// c.mu while doing so, and neither waits for anything a callback may be
// waiting for, so a callback may call any method of the Conn (see
// enter). The last of them to return tells OnState the Conn is Closed
// (exit).

// run dials, serves each connection until it is lost, and dials again,
// until the Conn is closed or gives up.
func (c *Conn) run(stopOnline func()) {
	closed := c.loop()
	c.cancel() // it ends the reading goroutines
	stopOnline()
	c.mu.Lock()
	c.state = Closed
	c.closed = closed
	c.mu.Unlock()
	c.exit(&c.dialer)
}

// exit is the end of t, one of the Conn's goroutines. The last of them
// (run has returned, since it counts: the Conn has ended) tells OnState
// Closed, as a callback Close does not wait for, and closes c.done.
func (c *Conn) exit(t *task) {
	c.mu.Lock()
	last := len(c.tasks) == 1
	t.busy = last // OnState(Closed) is a callback
	closed := c.closed
	c.mu.Unlock()
	if last && c.o.OnState != nil {
		c.o.OnState(closed)
	}
	c.mu.Lock()
	for i, u := range c.tasks {
		if u == t {
			c.tasks = append(c.tasks[:i], c.tasks[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	if last {
		close(c.done)
	}
	close(t.done)
}

// loop is run's loop; it returns the Closed event.
func (c *Conn) loop() Event {
	closed := Event{State: Closed}
	failures := 0
	var since time.Time    // when the failures in a row began
	var spread spread      // the windows of FullJitter
	var last error         // the last failure
	var prev chan struct{} // the done of the last connection's reader
	restart := false       // the server closed the last connection to restart
	bfcache := false       // the last connection was closed for the back/forward cache
	for {
		if (failures > 0 || restart) && !bfcache {
			var d time.Duration
			if restart {
				// Not a failure: redial soon, but not all at once.
				d = time.Duration(rand.Float64() * float64(c.o.RestartWindow))
			} else if e, ok := exponential(c.o.Backoff); ok && e.Jitter == FullJitter {
				d = spread.wait(e, failures, time.Since(since))
			} else {
				if !c.enter(&c.dialer) {
					return closed
				}
				d = c.o.Backoff.Delay(failures)
				c.leave(&c.dialer)
				if d < 0 {
					return c.giveUp(&gaveUp{failures: failures, last: last})
				}
			}
			if h := hint(last); h > 0 {
				// At least what the server asked for, spread over half of
				// it again, up to the backoff's cap.
				d = max(d, time.Duration(min(float64(h)*(1+rand.Float64()/2), float64(retryCap(c.o.Backoff)))))
			}
			if m := c.o.MaxElapsed; m > 0 && failures > 0 && time.Since(since)+d > m {
				return c.giveUp(&gaveUp{failures: failures, last: last, over: m})
			}
			if !c.announce(Event{State: Waiting, Failures: failures, Err: last, Delay: d}) || !c.sleep(d) {
				return closed
			}
		}
		if !c.waitPage(failures, last) {
			return closed
		}
		if !c.announce(Event{State: Connecting, Failures: failures, Err: last}) {
			return closed
		}
		l, err := c.dial()
		if err == nil {
			opened := time.Now()
			err = c.serve(l, prev)
			prev = l.reader.done
			if err == nil { // closed
				return closed
			}
			c.mu.Lock()
			ready := l.ready
			c.mu.Unlock()
			if ready || c.o.StableAfter > 0 && time.Since(opened) >= c.o.StableAfter {
				failures = 0
			}
		} else if c.isClosing() {
			return closed
		}
		bfcache = err == errPageHidden
		restart = l != nil && restarting(err)
		switch {
		case bfcache: // not a failure, nor the server's doing
		case restart:
			failures = 0 // whatever the connection's age
		default:
			if failures++; failures == 1 {
				since, spread.phase = time.Now(), rand.Float64()
			}
		}
		last = err
		c.failed(err)
		if l != nil && !c.notifyLost(err) { // a connection lost
			return closed
		}
		switch {
		case bfcache:
			continue
		case l == nil && !mendable(err):
			// A malformed URL, Options the platform cannot do: no redial
			// mends them, whatever Final says.
			return c.giveUp(&gaveUp{failures: failures, last: err, asIs: true})
		}
		if e, stop := c.stop(err, failures); stop {
			return e
		}
	}
}

// spread places the dials of a run of failures with FullJitter: the
// k-th failure's window begins where the one before ends and lasts
// Exponential's delay for it; the dial is at phase (of 0 to 1, drawn at
// the first failure) of it. Times are durations since the run began
// (durations, not time.Time: less code in every page).
type spread struct {
	next  time.Duration // where the next window begins
	phase float64
}

// wait returns the wait, from now, before the dial after failures
// failures in a row. A window that should have begun already (the last
// dial ended past it, or the server asked for a longer wait) begins now.
func (s *spread) wait(e Exponential, failures int, now time.Duration) time.Duration {
	if failures == 1 || s.next < now {
		s.next = now
	}
	w := e.window(failures)
	d := s.next + time.Duration(s.phase*float64(w)) - now
	s.next += w
	return d
}

// stop reports whether the Conn stops after err, the last of failures
// failures in a row: because it is closing, or because err is final
// (Permanent, Options.Final) or the GiveUpAfter-th; e is then the Closed
// event.
func (c *Conn) stop(err error, failures int) (e Event, stop bool) {
	_, final := errors.AsType[*permanent](err)
	if !final {
		if !c.enter(&c.dialer) {
			return Event{State: Closed}, true
		}
		final = c.o.Final(err)
		c.leave(&c.dialer)
	}
	if final || c.o.GiveUpAfter > 0 && failures >= c.o.GiveUpAfter {
		return c.giveUp(&gaveUp{failures: failures, last: err}), true
	}
	return Event{}, false
}

// mendable reports whether err, a failed dial, may go otherwise on the
// next: a *client.DialError (the network, the server), or OnConnect's
// (the only failure of a dial that is this package's own).
// (errors.AsType, not errors.As: the reflection errors.As brings costs
// every page 17 KB of gzipped wasm.)
func mendable(err error) bool {
	if _, ok := errors.AsType[*client.DialError](err); ok {
		return true
	}
	_, ok := errors.AsType[*failure](err)
	return ok
}

// attemptCtx returns the ctx of Endpoint and OnConnect: it ends with
// Options.Dial.HandshakeTimeout or the Conn.
func (c *Conn) attemptCtx() (context.Context, context.CancelFunc) {
	if t := c.o.Dial.HandshakeTimeout; t >= 0 {
		return context.WithTimeout(c.ctx, cmp.Or(t, client.DefaultHandshakeTimeout))
	}
	return context.WithCancel(c.ctx)
}

// dial makes one connection, with Endpoint asked first and OnConnect run
// on it.
func (c *Conn) dial() (*link, error) {
	c.mu.Lock()
	url := c.url
	c.mu.Unlock()
	opts := &c.o.Dial
	if ep := c.o.Endpoint; ep != nil {
		ctx, cancel := c.attemptCtx()
		if !c.enter(&c.dialer) {
			cancel()
			return nil, errs.ErrClosed
		}
		u, o, err := ep(ctx)
		c.leave(&c.dialer)
		cancel()
		if err != nil {
			return nil, endpointFailure(err)
		}
		url = u
		if o != nil {
			opts = o
		}
		shown := redact.URL(u)
		c.mu.Lock()
		c.url, c.shown = u, shown
		c.mu.Unlock()
	}
	cc, err := client.Dial(c.ctx, url, opts)
	if err != nil {
		return nil, err
	}
	c.limit(cc)
	if c.isSuspended() {
		// Dialled as the page went into the back/forward cache.
		pageHidden(cc)
		return nil, errPageHidden
	}
	if c.o.OnConnect != nil {
		ctx, cancel := c.attemptCtx()
		if !c.enter(&c.dialer) {
			cancel()
			cc.CloseNow()
			return nil, errs.ErrClosed
		}
		err = c.o.OnConnect(ctx, cc)
		c.leave(&c.dialer)
		cancel()
		if err != nil {
			cc.CloseNow()
			return nil, onConnectFailure(err)
		}
	}
	return &link{
		cc:      cc,
		dead:    make(chan struct{}),
		reader:  task{done: make(chan struct{})},
		flushed: make(chan struct{}),
	}, nil
}

// serve makes l the open connection, sends the queue on it, and waits
// until it is lost (returning why) or the Conn is closed (returning nil).
// l's reading goroutine hands over messages only once prev's has
// returned, so that messages keep their order across connections.
func (c *Conn) serve(l *link, prev <-chan struct{}) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		l.cc.CloseNow()
		return nil
	}
	if c.suspended {
		// The page went into the back/forward cache while l was dialled
		// (in OnConnect, say): closed as pageHide closes the open one.
		c.mu.Unlock()
		pageHidden(l.cc)
		close(l.reader.done) // it never ran
		return errPageHidden
	}
	c.cur, c.flushing = l, true
	c.rtt, c.srtt = 0, 0
	c.state = Connected                  // before Dial returns: see State
	c.tasks = append(c.tasks, &l.reader) // before a Close can look
	c.mu.Unlock()
	c.limit(l.cc) // again: a SetReadLimit may have come while l was dialled
	c.upOnce.Do(func() { close(c.up) })
	go c.read(l, prev)
	// The queue first, then OnState: a Write from OnState goes after the
	// queue, as any Write does.
	c.flush(l) // returns at once if the Conn is closing
	if !c.announce(Event{State: Connected}) {
		return nil
	}
	select {
	case <-l.dead:
		if c.isClosing() {
			return nil
		}
		return l.err
	case <-c.ctx.Done():
		return nil
	}
}

// drop ends l, which failed with err: Write queues from now on, and
// serve learns why. Only the first drop of l counts, and none once the
// Conn is closing.
func (c *Conn) drop(l *link, err error) { c.lose(l, err, (*client.Conn).CloseNow) }

// lose is drop, closing l's connection with end.
func (c *Conn) lose(l *link, err error, end func(*client.Conn) error) {
	c.mu.Lock()
	if l.gone || c.closing {
		// Once Close has begun, a link fails because Close closed it
		// (or serve did, finding the Conn closing): it is not lost.
		c.mu.Unlock()
		return
	}
	l.gone = true
	if c.cur == l {
		c.cur, c.flushing = nil, false
		c.state = Waiting
	}
	c.mu.Unlock()
	l.err = err
	close(l.dead)
	end(l.cc)
}

// failed records err, the failure of a dial or of a connection.
func (c *Conn) failed(err error) {
	c.mu.Lock()
	c.lastErr = err
	if !c.closing {
		c.state = Waiting
	}
	c.mu.Unlock()
}

// sleep waits d, or less if the page says so (page.go): the online
// event unless the page is hidden, the page shown again; it reports false
// if the Conn ended meanwhile.
func (c *Conn) sleep(d time.Duration) bool {
	drain(c.wake) // old ones, from before this wait
	drain(c.online)
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.wake:
		case <-c.online:
			c.mu.Lock()
			hidden := c.hidden
			c.mu.Unlock()
			if hidden {
				continue
			}
		case <-c.ctx.Done():
			return false
		}
		return true
	}
}

func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

// waitPage waits while a dial would be in vain: while the browser says
// it is offline (a dial would fail, and count), or the page is in the
// back/forward cache (page.go). OnState hears of each (Waiting, Offline
// or Suspended). Online again, a hidden page waits a random time within
// RestartWindow more, so that hidden tabs do not all dial at once. It
// reports false if the Conn ended meanwhile.
func (c *Conn) waitPage(failures int, last error) bool {
	if c.offline == nil { // natively: no page
		return true
	}
	var offline, suspended bool // as OnState was told
	for {
		off := c.offline()
		c.mu.Lock()
		susp, hidden := c.suspended, c.hidden
		c.mu.Unlock()
		if !off && !susp {
			return !(offline && hidden) || c.sleep(time.Duration(rand.Float64()*float64(c.o.RestartWindow)))
		}
		if off != offline || susp != suspended {
			offline, suspended = off, susp
			if !c.announce(Event{State: Waiting, Failures: failures, Err: last, Offline: off, Suspended: susp}) {
				return false
			}
		}
		select {
		case <-c.wake:
		case <-c.online:
		case <-c.ctx.Done():
			return false
		}
	}
}

// enter and leave bracket a call into the program's code (a callback)
// on t, the goroutine that makes it: enter reports whether it may be
// made, false once the Conn has ended (closing or given up), and marks
// t busy until leave. Once Close has begun, no callback starts; a Close
// does not wait for a goroutine that is in a callback (its caller may be
// that callback); and neither run nor a reader ever waits, holding c.mu,
// for what a method of the Conn holds. So a callback may call any
// method of the Conn.
//
// (A bracket, not a helper that takes the call as a func: the seven
// closures that needed cost every page 0.5 KB of gzipped wasm.)
func (c *Conn) enter(t *task) bool {
	c.mu.Lock()
	ok := !c.closing && c.end == nil
	t.busy = ok
	c.mu.Unlock()
	return ok
}

func (c *Conn) leave(t *task) {
	c.mu.Lock()
	t.busy = false
	c.mu.Unlock()
}

// announce records e (but for Connected, which serve records as the
// connection opens) and tells OnState; it reports false if the Conn is
// closing.
func (c *Conn) announce(e Event) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if e.State != Connected {
		c.state = e.State
	}
	e.RTT, e.SmoothedRTT, e.Hidden = c.rtt, c.srtt, c.hidden
	c.mu.Unlock()
	if c.o.OnState == nil {
		return true
	}
	if !c.enter(&c.dialer) {
		return false
	}
	c.o.OnState(e)
	c.leave(&c.dialer)
	return true
}

// notifyLost calls the OnDisconnect funcs with err; it reports false if
// the Conn is closing.
func (c *Conn) notifyLost(err error) bool {
	c.mu.Lock()
	fns := make([]func(error), 0, len(c.listeners))
	for fn := range c.listeners {
		fns = append(fns, *fn)
	}
	c.mu.Unlock()
	for _, fn := range fns {
		// One may Close the Conn: the rest do not start then.
		if !c.enter(&c.dialer) {
			return false
		}
		fn(err)
		c.leave(&c.dialer)
	}
	return !c.isClosing()
}

// giveUp ends the Conn for g, and returns the Closed event that says so.
func (c *Conn) giveUp(g *gaveUp) Event {
	c.mu.Lock()
	if c.closing {
		// A callback (Final, Backoff) closed the Conn before it said to
		// stop: the program's Close is why the Conn ends, not a give-up.
		c.mu.Unlock()
		return Event{State: Closed}
	}
	shown := c.shown
	g.unsent = len(c.queue)
	c.end = g
	c.discard(g.err("write", shown))
	c.state = Closed
	c.mu.Unlock()
	c.cancel()
	return Event{State: Closed, Failures: g.failures, Err: g.err("", shown)}
}
