//go:build js && wasm

package wasm

import (
	"context"

	"github.com/duplex-go/duplex/internal/errs"
)

// Reading: one message at a time, from the batches the backend packs.

// Read returns the next message, in the order the browser received them,
// whatever their type and size. A Read whose ctx ends returns ctx.Err()
// and leaves the connection open. After the last message before the end of
// the connection, Read returns how it ended: a *CloseError (the peer's code
// and reason), an error wrapping ErrMessageTooBig or ErrReceiveQueueFull (and
// ErrClosed) if a limit ended it, or ErrClosed after Close.
//
// A message stops counting against Options.ReceiveQueueLimit when Read returns
// it.
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	if err := acquire(ctx, c.readSem); err != nil {
		return 0, nil, err
	}
	defer func() { <-c.readSem }()
	for {
		if c.isClosing() {
			return 0, nil, c.closedError("read")
		}
		if c.arrived > 0 {
			c.batch, c.arrived = c.rbuf[:c.arrived], 0
		}
		if len(c.batch) > 0 {
			typ := MessageType(c.batch[0])
			n := int(uint32(c.batch[1]) | uint32(c.batch[2])<<8 | uint32(c.batch[3])<<16 | uint32(c.batch[4])<<24) // little-endian
			p := make([]byte, n)
			copy(p, c.batch[5:5+n])
			c.batch = c.batch[5+n:]
			c.b.release(n)
			return typ, p, nil
		}
		out, st := c.b.fill(c.rbuf[:0], true)
		switch st {
		case fillOK:
			c.rbuf, c.batch = out, out
			continue
		case fillText:
			return MessageText, out, nil
		case fillBinary:
			return MessageBinary, out, nil
		case fillEnded:
			return 0, nil, c.endError("read")
		case fillBlob:
			p, err := c.b.(blobReader).readBlob(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return 0, nil, ctx.Err()
				}
				return 0, nil, errs.Wrap(c.pre+"read", err)
			}
			return MessageBinary, p, nil
		}
		// fillEmpty: the backend may have made a new buffer for the wait.
		c.rbuf = out
		select {
		case <-c.readWake:
		case <-c.closing:
		case <-ctx.Done():
			c.b.disarmRead()
			return 0, nil, ctx.Err()
		}
	}
}
