package reconnect

import (
	"context"
	"errors"

	"github.com/duplex-go/duplex/internal/errs"
)

// read reads l until it fails, handing messages to Read, and runs the
// heartbeat.
func (c *Conn) read(l *link, prev <-chan struct{}) {
	defer close(l.readed)
	hb := c.o.Heartbeat
	pinged := false
	for {
		ctx, cancel := c.ctx, context.CancelFunc(nil)
		if hb != nil {
			wait := hb.Interval
			if pinged {
				wait = hb.Timeout
			}
			ctx, cancel = context.WithTimeout(c.ctx, wait)
		}
		typ, p, err := l.cc.Read(ctx)
		// Silence, not a failure: the Read's own deadline passed.
		silent := err != nil && hb != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil
		if cancel != nil {
			cancel()
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			if silent {
				if pinged {
					c.drop(l, errs.Msg(ErrHeartbeatTimeout.Error()+" ("+(hb.Interval+hb.Timeout).String()+")", ErrHeartbeatTimeout))
					return
				}
				pinged = true
				if hb.Ping != nil {
					typ, p := hb.Ping()
					wctx, cancel := context.WithTimeout(c.ctx, hb.Timeout)
					err := l.cc.Write(wctx, typ, p)
					cancel()
					if err != nil && c.ctx.Err() == nil {
						c.drop(l, errs.Wrap("reconnect: heartbeat ping", err))
						return
					}
				}
				continue
			}
			c.drop(l, err)
			return
		}
		pinged = false
		if hb != nil && hb.IsPong != nil && hb.IsPong(typ, p) {
			continue
		}
		if prev != nil {
			select {
			case <-prev:
				prev = nil
			case <-c.ctx.Done():
				return
			}
		}
		select {
		case c.msgs <- message{typ, p}:
		case <-c.ctx.Done():
			return
		}
	}
}
