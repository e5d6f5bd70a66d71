//go:build js && wasm

package wasm

import (
	"context"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// Writing: one message, after waiting out backpressure.

// Write sends p as one message of type typ. Text that is not UTF-8 is
// refused with ErrInvalidUTF8 before anything is sent. The bytes are
// copied before Write returns: p may be reused at once.
//
// It waits first, before sending, while BufferedAmount is at or above
// Options.SendHighWater, until it falls below SendLowWater (bounded by
// ctx: a ctx that ends returns ctx.Err() with nothing sent and the
// connection usable), then hands the message to the browser and returns.
// An error means the message was not sent.
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	if err := wsspec.CheckWrite(c.pre+"write", int(typ), p, ErrInvalidUTF8); err != nil {
		return err
	}
	return c.write(ctx, int(typ), p) // kindText and kindBinary are the message types
}

func (c *Conn) write(ctx context.Context, kind int, p []byte) error {
	if err := acquire(ctx, c.writeSem); err != nil {
		return err
	}
	defer func() { <-c.writeSem }()
	for {
		if c.isClosing() {
			return c.closedError("write")
		}
		st, err := c.b.send(kind, p, c.opts.SendHighWater)
		switch {
		case err != nil:
			return errs.Wrap(c.pre+"write", err)
		case st == sendOK:
			return nil
		case st == sendNotOpen:
			return c.endError("write")
		}
		// sendFull: wait for the buffer to drain below the low-water mark.
		for !c.b.armWrite(c.opts.SendLowWater) {
			select {
			case <-c.writeWake:
			case <-c.closing:
				c.b.disarmWrite()
				return c.closedError("write")
			case <-ctx.Done():
				c.b.disarmWrite()
				return ctx.Err()
			}
		}
	}
}
