package reconnect

import (
	"strconv"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// The send queue: what Write is given while there is no connection,
// sent in order on the next one (flush) before any other Write. Its
// invariant, under c.mu: a message leaves the queue exactly when a
// connection has taken it (client.Conn.Write returned nil), so none is
// lost and none is sent twice. Only run's goroutine takes messages out;
// Write only appends, and giveUp and Close empty it, Close once run has
// returned (see close): so what Close's ErrUnsent counts is exactly what
// no connection took.

// enqueue queues a copy of p; c.mu is held.
func (c *Conn) enqueue(typ client.MessageType, p []byte) error {
	n := int64(len(p)) + msgOverhead
	if c.o.SendQueueLimit < 0 {
		return errs.Msg("reconnect: write: no connection, and no send queue (Options.SendQueueLimit < 0); the message was not sent", ErrSendQueueFull)
	}
	if c.queued+n > c.o.SendQueueLimit {
		return errs.Msg("reconnect: write: no connection, and the send queue is full ("+strconv.FormatInt(c.o.SendQueueLimit, 10)+" bytes, Options.SendQueueLimit); the message was not queued", ErrSendQueueFull)
	}
	c.queue = append(c.queue, message{typ, append([]byte(nil), p...)})
	c.queued += n
	return nil
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
		c.mu.Unlock()
		if h != nil && h.BeforeFlushWrite != nil {
			h.BeforeFlushWrite(m.p, l.dead)
		}
		err := l.cc.Write(c.ctx, m.typ, m.p)
		if err == nil {
			if h != nil && h.Sent != nil {
				h.Sent(m.p, true, l.dead)
			}
			if h != nil && h.AfterFlushWrite != nil {
				h.AfterFlushWrite(m.p, l.dead)
			}
		}
		c.mu.Lock()
		if err == nil {
			// Taken: m leaves the queue, even if l has been lost since
			// (sent again, it could arrive twice), or Close has begun
			// (which counts what is left once we return).
			c.queue[0] = message{}
			c.queue = c.queue[1:]
			c.queued -= int64(len(m.p)) + msgOverhead
		}
		c.mu.Unlock()
		if err != nil {
			c.drop(l, err) // not taken: m stays first in the queue
			return
		}
	}
}
