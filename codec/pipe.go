package codec

import (
	"context"
	"sync"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// PipeBuffer is how many messages each direction of a Pipe holds.
const PipeBuffer = 64

// Pipe returns the two ends of an in-memory message connection, for tests
// and examples: what one end writes the other reads, in order. Each
// direction holds PipeBuffer messages; a Write beyond that waits for the
// reader, bounded by its ctx. Write copies p, and refuses text that is
// not UTF-8 (client.ErrInvalidUTF8), as a client.Conn does.
func Pipe() (*PipeConn, *PipeConn) {
	p := &pipe{closed: make(chan struct{})}
	ab := make(chan pipeMessage, PipeBuffer)
	ba := make(chan pipeMessage, PipeBuffer)
	return &PipeConn{p: p, in: ba, out: ab}, &PipeConn{p: p, in: ab, out: ba}
}

// PipeConn is one end of a Pipe. It is a MessageConn, safe for use by
// several goroutines at once.
type PipeConn struct {
	p   *pipe
	in  <-chan pipeMessage
	out chan<- pipeMessage
}

type pipe struct {
	mu     sync.Mutex
	closer *PipeConn
	closed chan struct{}
}

type pipeMessage struct {
	typ  client.MessageType
	data []byte
}

// Read returns the next message the other end wrote. Once either end is
// closed, Read on the end that closed returns an error with net.ErrClosed
// in its chain; the other end first reads the messages still queued,
// then gets a *client.CloseError with client.StatusNormalClosure, as if
// the peer had closed a WebSocket.
func (c *PipeConn) Read(ctx context.Context) (client.MessageType, []byte, error) {
	if err := c.closedErr("read"); err != nil {
		return 0, nil, err
	}
	select {
	case m := <-c.in:
		return m.typ, m.data, nil
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	case <-c.p.closed:
	}
	select {
	case m := <-c.in: // queued before the close
		return m.typ, m.data, nil
	default:
		return 0, nil, c.closedErr("read")
	}
}

// Write sends a copy of p as one message of type typ.
func (c *PipeConn) Write(ctx context.Context, typ client.MessageType, p []byte) error {
	if err := wsspec.CheckWrite("codec: pipe: write", int(typ), p, client.ErrInvalidUTF8); err != nil {
		return err
	}
	if err := c.closedErr("write"); err != nil {
		return err
	}
	select {
	case c.out <- pipeMessage{typ, append(make([]byte, 0, len(p)), p...)}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.p.closed:
		return c.closedErr("write")
	}
}

// Close closes the pipe, both ends. Closing it again returns an error
// with net.ErrClosed in its chain.
func (c *PipeConn) Close() error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.p.closer != nil {
		return errs.Wrap("codec: pipe: close", errs.ErrClosed)
	}
	c.p.closer = c
	close(c.p.closed)
	return nil
}

// closedErr returns nil while the pipe is open, else the error of op.
func (c *PipeConn) closedErr(op string) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	switch c.p.closer {
	case nil:
		return nil
	case c:
		return errs.Wrap("codec: pipe: "+op, errs.ErrClosed)
	}
	return errs.Wrap("codec: pipe: "+op, &client.CloseError{Code: client.StatusNormalClosure, WasClean: true})
}
