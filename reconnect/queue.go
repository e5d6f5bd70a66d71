package reconnect

import (
	"strconv"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// flush sends the queue on l, in order; Writes wait until it is empty.
func (c *Conn) flush(l *link) {
	defer close(l.flushed)
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
		if err := l.cc.Write(c.ctx, m.typ, m.p); err != nil {
			c.drop(l, err) // m stays first in the queue
			return
		}
		c.mu.Lock()
		if c.cur == l && len(c.queue) > 0 {
			c.queue[0] = message{}
			c.queue = c.queue[1:]
			c.queued -= int64(len(m.p)) + queueOverhead
		}
		c.mu.Unlock()
	}
}

// enqueue queues a copy of p; c.mu is held.
func (c *Conn) enqueue(typ client.MessageType, p []byte) error {
	n := int64(len(p)) + queueOverhead
	if c.o.QueueLimit < 0 {
		return errs.Msg("reconnect: write: no connection, and no queue (Options.QueueLimit < 0); the message was not sent", ErrQueueFull)
	}
	if c.queued+n > c.o.QueueLimit {
		return errs.Msg(ErrQueueFull.Error()+" ("+strconv.FormatInt(c.o.QueueLimit, 10)+" bytes, Options.QueueLimit); the message was not queued", ErrQueueFull)
	}
	c.queue = append(c.queue, message{typ, append([]byte(nil), p...)})
	c.queued += n
	return nil
}
