package reconnect

import (
	"context"
	"io"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// Writing: at once on the open connection, or through the send queue.

// Write sends p as one message of type typ on the open connection, or
// queues a copy of it while there is none (see Conn): Send with Queue,
// whose answer says which. Text that is not UTF-8 is refused with
// client.ErrInvalidUTF8, and a full queue with ErrSendQueueFull: nothing
// is queued then. A Write whose ctx ends returns ctx.Err(), as
// client.Conn's does. p may be reused as soon as Write returns.
func (c *Conn) Write(ctx context.Context, typ client.MessageType, p []byte) error {
	_, err := c.Send(ctx, typ, p, Queue)
	return err
}

// Send is Write with a choice of what happens while no connection is
// open (d: Queue, Volatile or Await), and an answer that says what
// happened: Sent (a connection took it), Queued (it waits in the send
// queue), or Refused, with an error that says why (and nil otherwise).
// A message is never dropped without a word: one taken out of the queue
// unsent is counted by Close's ErrUnsent, or told to the Send that
// awaits it.
func (c *Conn) Send(ctx context.Context, typ client.MessageType, p []byte, d Delivery) (Outcome, error) {
	if err := wsspec.CheckWrite("reconnect: write", int(typ), p, client.ErrInvalidUTF8); err != nil {
		return Refused, err
	}
	if err := ctx.Err(); err != nil {
		return Refused, err
	}
	for {
		c.mu.Lock()
		switch {
		case c.closing || c.end != nil:
			c.mu.Unlock()
			return Refused, c.ended("write")
		case c.cur == nil && d == Volatile:
			c.mu.Unlock()
			return Refused, errs.Msg("reconnect: write: no connection, and the message is Volatile: not sent", ErrNotConnected)
		case c.cur == nil:
			var w *waiter
			if d == Await {
				w = &waiter{ctx: ctx, done: make(chan struct{})}
			}
			err := c.enqueue(typ, p, w)
			c.mu.Unlock()
			switch {
			case err != nil:
				return Refused, err
			case w != nil:
				return c.await(ctx, w)
			}
			return Queued, nil
		}
		l, flushing := c.cur, c.flushing
		c.mu.Unlock()
		if flushing {
			// A new connection: the queue goes first.
			select {
			case <-l.flushed:
			case <-l.dead:
			case <-ctx.Done():
				return Refused, ctx.Err()
			}
			continue
		}
		err := l.cc.Write(ctx, typ, p)
		if err == nil {
			if h := c.o.hooks; h != nil && h.Sent != nil {
				h.Sent(p, false, l.dead)
			}
			return Sent, nil
		}
		if ctx.Err() != nil {
			return Refused, err
		}
		c.drop(l, err) // the connection broke under the write: queue it
		if d == Volatile {
			return Refused, errs.Join("reconnect: write: the connection was lost under the write of a Volatile message: not sent", ErrNotConnected, err)
		}
	}
}

// Writer returns a writer for one message of type typ, for code written
// for client.Conn's Writer (an encoder that writes to an io.Writer, say).
// What is written is held in memory, and sent or queued at Close, as one
// Write with ctx does: messages from other goroutines do not wait for
// it, and Close returns Write's error (text that is not UTF-8 is refused
// then).
func (c *Conn) Writer(ctx context.Context, typ client.MessageType) (io.WriteCloser, error) {
	if err := wsspec.CheckType("reconnect: writer", int(typ)); err != nil {
		return nil, err
	}
	if c.isClosing() {
		return nil, c.ended("writer")
	}
	return &writer{c: c, ctx: ctx, typ: typ}, nil
}

// writer is Conn.Writer's: a buffer, written at Close.
type writer struct {
	c      *Conn
	ctx    context.Context
	typ    client.MessageType
	buf    []byte
	closed bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errs.Wrap("reconnect: write: the Writer is closed", errs.ErrClosed)
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *writer) Close() error {
	if w.closed {
		return errs.Wrap("reconnect: close: the Writer is closed", errs.ErrClosed)
	}
	w.closed = true
	return w.c.Write(w.ctx, w.typ, w.buf)
}
