package reconnect

import (
	"context"
	"strconv"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// The send queue: what Send and Write are given while there is no
// connection, sent in order on the next one (flush) before any other
// write. Its invariant, under c.mu: a message leaves the queue exactly
// when a connection has taken it (client.Conn.Write returned nil), or
// when it is taken out unsent (an Await whose ctx ended, DiscardQueue,
// Close, giving up), and then its Send, if it waits, hears why; so none
// is lost silently and none is sent twice. Only run's goroutine takes
// messages out because they were sent, and only from the front; the
// message it is writing (c.inflight) stays first until the write
// returns, and nothing else takes it out meanwhile. Close empties the
// queue once run has returned (see close): so what Close's ErrUnsent
// counts is exactly what no connection took.

// Delivery says what Send does with a message while no connection is
// open.
type Delivery int

const (
	// Queue, the zero value: the message waits in the send queue and is
	// sent, in order, on the next connection; Send returns Queued at once.
	// Write does this. The queue does not keep Send's ctx: the message
	// waits until it is sent, or Close, DiscardQueue or giving up discard
	// it.
	Queue Delivery = iota
	// Volatile: the message is never queued. While no connection is open
	// (and when the connection is lost under the write), Send refuses it
	// with ErrNotConnected: for what is stale by the time of a redial,
	// such as a cursor's position.
	Volatile
	// Await: the message is queued as with Queue, but Send waits until a
	// connection has taken it (Sent). If ctx ends first, the message is
	// taken out of the queue and Send returns Refused with ctx.Err(): it
	// is never sent. (If a new connection is writing it as ctx ends, that
	// write ends with ctx, as client.Conn.Write's does.) From a callback
	// of the dialling goroutine (OnConnect, Final, Backoff, OnDisconnect,
	// OnState but Connected's), which a new connection waits for, Await
	// waits until its ctx.
	Await
)

// Outcome says what became of a message given to Send.
type Outcome int

const (
	// Sent: a connection took it (its client.Conn.Write returned nil).
	// What no one can know is whether it reached the server, if that
	// connection was lost just after.
	Sent Outcome = iota + 1
	// Queued: no connection was open; it waits in the send queue.
	Queued
	// Refused: neither sent nor queued; the error says why.
	Refused
)

// String returns the outcome's name, such as "sent".
func (o Outcome) String() string {
	switch o {
	case Sent:
		return "sent"
	case Queued:
		return "queued"
	case Refused:
		return "refused"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// waiter is the Send of an Await message, waiting for what becomes of
// it.
type waiter struct {
	_    [0]func()       // not comparable: no equality code in every page
	ctx  context.Context // the Send's: the write on a new connection ends with it
	done chan struct{}   // closed once the message has left the queue
	err  error           // why it left unsent, nil if sent; set before done is closed
}

// enqueue queues a copy of p, waited for by w if not nil; c.mu is held.
func (c *Conn) enqueue(typ client.MessageType, p []byte, w *waiter) error {
	n := int64(len(p)) + msgOverhead
	switch {
	case c.o.SendQueueLimit < 0:
		return errs.Msg("reconnect: write: no connection, and no send queue (Options.SendQueueLimit < 0); the message was not sent", ErrSendQueueFull)
	case c.queued+n > c.o.SendQueueLimit:
		return errs.Msg("reconnect: write: no connection, and the send queue is full ("+strconv.FormatInt(c.o.SendQueueLimit, 10)+" bytes, Options.SendQueueLimit); the message was not queued", ErrSendQueueFull)
	case c.o.SendQueueCount > 0 && len(c.queue) >= c.o.SendQueueCount:
		return errs.Msg("reconnect: write: no connection, and the send queue is full ("+plural(c.o.SendQueueCount, "message")+", Options.SendQueueCount); the message was not queued", ErrSendQueueFull)
	}
	c.queue = append(c.queue, message{typ, append([]byte(nil), p...), w})
	c.queued += n
	return nil
}

// await waits for what becomes of m, queued by an Await Send with ctx.
func (c *Conn) await(ctx context.Context, w *waiter) (Outcome, error) {
	select {
	case <-w.done:
	case <-ctx.Done():
		c.mu.Lock()
		for i := range c.queue {
			if c.queue[i].w == w && (i > 0 || !c.inflight) {
				c.unqueue(i, errs.Wrap("reconnect: write: ctx ended while the message waited in the send queue; it was taken out, unsent", ctx.Err()))
				break
			}
		}
		c.mu.Unlock()
		<-w.done // at once, or once the write of a new connection, which ends with ctx, has
	}
	if w.err != nil {
		return Refused, w.err
	}
	return Sent, nil
}

// unqueue takes out the i-th message, unsent for err; c.mu is held.
func (c *Conn) unqueue(i int, err error) {
	c.queued -= int64(len(c.queue[i].p)) + msgOverhead
	tell(c.queue[i].w, err)
	c.queue = append(c.queue[:i], c.queue[i+1:]...)
}

// discard empties the queue but for the message being written, telling
// the Sends that wait for a message err; it returns how many it took
// out. c.mu is held.
func (c *Conn) discard(err error) int {
	keep := 0
	if c.inflight && len(c.queue) > 0 {
		keep = 1
	}
	for _, m := range c.queue[keep:] {
		c.queued -= int64(len(m.p)) + msgOverhead
		tell(m.w, err)
	}
	n := len(c.queue) - keep
	clear(c.queue[keep:])
	c.queue = c.queue[:keep]
	if keep == 0 {
		c.queue = nil
	}
	return n
}

// tell tells w, if not nil, that its message left the queue, unsent for
// err or sent if err is nil; c.mu is held.
func tell(w *waiter, err error) {
	if w != nil {
		w.err = err
		close(w.done)
	}
}

// Queued returns how many messages wait in the send queue and their
// bytes (without the 32 each counts more towards SendQueueLimit): those
// written while no connection was open, and not yet taken by a new one.
func (c *Conn) Queued() (messages int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue), c.queued - int64(len(c.queue))*msgOverhead
}

// DiscardQueue empties the send queue, but for a message a new
// connection is writing as it is called, and returns how many messages
// it took out: they are never sent, and a Send that waits for one
// (Await) returns Refused with ErrUnsent.
func (c *Conn) DiscardQueue() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.discard(errs.Msg("reconnect: write: taken out of the send queue by DiscardQueue, unsent", ErrUnsent))
}

// flush sends the queue on l, in order; Writes wait until it is empty.
func (c *Conn) flush(l *link) {
	defer close(l.flushed)
	h := c.o.hooks
	for {
		c.mu.Lock()
		if c.cur != l {
			c.mu.Unlock()
			return
		}
		if len(c.queue) == 0 {
			c.queue, c.flushing = nil, false
			c.mu.Unlock()
			return
		}
		m := c.queue[0]
		c.inflight = true
		c.mu.Unlock()
		if h != nil && h.BeforeFlushWrite != nil {
			h.BeforeFlushWrite(m.p, l.dead)
		}
		ctx := c.ctx
		if m.w != nil {
			ctx = m.w.ctx
		}
		err := l.cc.Write(ctx, m.typ, m.p)
		if err == nil {
			if h != nil && h.Sent != nil {
				h.Sent(m.p, true, l.dead)
			}
			if h != nil && h.AfterFlushWrite != nil {
				h.AfterFlushWrite(m.p, l.dead)
			}
		}
		c.mu.Lock()
		c.inflight = false
		switch {
		case err == nil:
			// Taken: m leaves the queue, even if l has been lost since
			// (sent again, it could arrive twice), or Close has begun
			// (which counts what is left once we return).
			c.unqueue(0, nil)
		case m.w != nil && m.w.ctx.Err() != nil:
			// Its Send gave up on it: out, unsent. (Natively a write cut
			// by its ctx fails the connection: the next write says so.)
			c.unqueue(0, errs.Wrap("reconnect: write: ctx ended while a new connection wrote the queued message; it was not sent", m.w.ctx.Err()))
			err = nil
		}
		c.mu.Unlock()
		if err != nil {
			c.drop(l, err) // not taken: m stays first in the queue
			return
		}
	}
}
