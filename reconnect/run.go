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
