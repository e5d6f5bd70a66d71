package reconnect

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// run dials, serves each connection until it is lost, and dials again,
// until the Conn is closed or gives up.
func (c *Conn) run() {
	var prev chan struct{} // the reading goroutine of the last connection
	defer close(c.done)
	defer func() {
		if prev != nil {
			<-prev
		}
	}()
	defer c.cancel() // first: it ends the reading goroutine
	failures := 0
	var last error // the last failure
	for {
		if failures > 0 {
			d := c.o.Backoff.Delay(failures)
			if d < 0 {
				c.giveUp(last, failures)
				return
			}
			d = max(d, retryAfter(last))
			if !c.setState(Event{State: Waiting, Failures: failures, Err: last, Delay: d}) || !c.sleep(d) {
				return
			}
		}
		if c.offline != nil && c.offline() {
			// A dial now would fail, and count: wait for the network.
			if !c.setState(Event{State: Waiting, Failures: failures, Err: last, Offline: true}) || !c.waitOnline() {
				return
			}
		}
		if !c.setState(Event{State: Connecting, Failures: failures, Err: last}) {
			return
		}
		l, err := c.dial()
		if err != nil {
			if c.isClosing() {
				return
			}
			failures++
			last = err
			c.setLast(err)
			if _, ok := errors.AsType[*client.DialError](err); !ok && !errors.Is(err, errOnConnect) {
				c.giveUp(err, failures)
				return
			}
			if c.o.Final(err) || c.o.GiveUpAfter > 0 && failures >= c.o.GiveUpAfter {
				c.giveUp(err, failures)
				return
			}
			continue
		}
		opened := time.Now()
		err = c.serve(l, prev)
		prev = l.readed
		if err == nil { // closed
			return
		}
		if time.Since(opened) >= c.o.StableAfter {
			failures = 0
		}
		failures++
		last = err
		c.setLast(err)
		c.notifyLost(err)
		if c.o.Final(err) || c.o.GiveUpAfter > 0 && failures >= c.o.GiveUpAfter {
			c.giveUp(err, failures)
			return
		}
	}
}

// errOnConnect marks the failures of Options.OnConnect.
var errOnConnect = errors.New("reconnect: OnConnect failed")

// dial makes one connection, with OnConnect run on it.
func (c *Conn) dial() (*link, error) {
	cc, err := client.Dial(c.ctx, c.url, &c.o.Dial)
	if err != nil {
		return nil, err
	}
	if c.o.OnConnect != nil {
		ctx, cancel := c.ctx, context.CancelFunc(func() {})
		if t := c.o.Dial.HandshakeTimeout; t >= 0 {
			ctx, cancel = context.WithTimeout(ctx, cmp.Or(t, client.DefaultHandshakeTimeout))
		}
		err := c.o.OnConnect(ctx, cc)
		cancel()
		if err != nil {
			cc.CloseNow()
			return nil, errs.Join("reconnect: OnConnect: "+err.Error(), errOnConnect, err)
		}
	}
	return &link{cc: cc, lost: make(chan error, 1), readed: make(chan struct{}), flushed: make(chan struct{})}, nil
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
		close(l.readed)
		return nil
	}
	c.cur, c.flushing = l, true
	c.mu.Unlock()
	c.upOnce.Do(func() { close(c.up) })
	go c.read(l, prev)
	ok := c.setState(Event{State: Connected})
	c.flush(l) // returns at once if the Conn is closing
	if !ok {
		return nil
	}
	select {
	case err := <-l.lost:
		if c.isClosing() {
			return nil
		}
		return err
	case <-c.ctx.Done():
		return nil
	}
}

// drop ends l, which failed with err: Write queues from now on, and
// serve learns why.
func (c *Conn) drop(l *link, err error) {
	l.once.Do(func() {
		c.mu.Lock()
		if c.cur == l {
			c.cur, c.flushing = nil, false
		}
		c.mu.Unlock()
		l.lost <- err
		l.cc.CloseNow()
	})
}

// sleep waits d, or less if the browser comes back online; it reports
// false if the Conn ended meanwhile.
func (c *Conn) sleep(d time.Duration) bool {
	select {
	case <-c.online: // an old one, from before this wait
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.online:
	case <-c.ctx.Done():
		return false
	}
	return true
}

// waitOnline waits until the browser says it is online; it reports false
// if the Conn ended meanwhile.
func (c *Conn) waitOnline() bool {
	for c.offline() {
		select {
		case <-c.online:
		case <-c.ctx.Done():
			return false
		}
	}
	return true
}

// setState records e and tells OnState; it reports false if the Conn is
// closing.
func (c *Conn) setState(e Event) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.state = e.State
	c.mu.Unlock()
	if c.o.OnState != nil {
		c.o.OnState(e)
	}
	return true
}

func (c *Conn) setLast(err error) {
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
}

// giveUp ends the Conn after err, the last of failures failures.
func (c *Conn) giveUp(err error, failures int) {
	c.mu.Lock()
	unsent := len(c.queue)
	c.queue, c.queued = nil, 0
	msg := "gave up after " + plural(failures, "failure")
	if unsent > 0 {
		msg += ", discarding " + plural(unsent, "queued message")
	}
	c.end = errs.Join(msg+": "+err.Error(), ErrGaveUp, err, errs.ErrClosed)
	closing := c.closing
	c.state = Closed
	c.mu.Unlock()
	c.cancel()
	if !closing && c.o.OnState != nil {
		c.o.OnState(Event{State: Closed, Failures: failures, Err: errs.Wrap("reconnect", c.end)})
	}
}

// notifyLost calls the OnDisconnect funcs with err.
func (c *Conn) notifyLost(err error) {
	c.mu.Lock()
	fns := make([]func(error), 0, len(c.listeners))
	for fn := range c.listeners {
		fns = append(fns, *fn)
	}
	c.mu.Unlock()
	for _, fn := range fns {
		fn(err)
	}
}
