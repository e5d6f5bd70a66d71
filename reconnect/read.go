package reconnect

import (
	"context"
	"errors"
	"sync"

	"github.com/duplex-go/duplex/client"
)

// inbox holds the messages received and not yet read, oldest first. The
// reading goroutine of the open connection fills it while it holds less
// than Options.ReadAhead bytes; Read empties it.
type inbox struct {
	mu    sync.Mutex
	msgs  []message     // msgs[head:] wait
	head  int           // the next to read
	bytes int64         // what they count towards ReadAhead (held)
	avail chan struct{} // 1-buffered: a message came
	room  chan struct{} // 1-buffered: a message was taken
}

func newInbox() *inbox {
	return &inbox{avail: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// held is what m counts towards ReadAhead: the memory it holds, which
// is its buffer's capacity (natively a small message's buffer has room
// for 512 bytes), not its length.
func held(m message) int64 { return int64(cap(m.p)) + msgOverhead }

func (b *inbox) push(m message) {
	b.mu.Lock()
	if b.head > 0 && b.head >= len(b.msgs)/2 {
		// Move what waits to the front, rather than grow the array.
		n := copy(b.msgs, b.msgs[b.head:])
		clear(b.msgs[n:])
		b.msgs, b.head = b.msgs[:n], 0
	}
	b.msgs = append(b.msgs, m)
	b.bytes += held(m)
	b.mu.Unlock()
	signal(b.avail)
}

func (b *inbox) pop() (message, bool) {
	b.mu.Lock()
	if b.head == len(b.msgs) {
		b.mu.Unlock()
		return message{}, false
	}
	m := b.msgs[b.head]
	b.msgs[b.head] = message{}
	b.head++
	if b.head == len(b.msgs) {
		b.msgs, b.head = b.msgs[:0], 0
		if cap(b.msgs) > 64 {
			b.msgs = nil // a burst's array: let it go
		}
	}
	b.bytes -= held(m)
	more := b.head < len(b.msgs)
	b.mu.Unlock()
	signal(b.room)
	if more {
		signal(b.avail) // for a second Read, should there be one
	}
	return m, true
}

// waitRoom waits until b holds less than limit bytes; it reports false
// if ctx ended or dead was closed first. full, if not nil, is told when it
// starts waiting.
func (b *inbox) waitRoom(ctx context.Context, dead <-chan struct{}, limit int64, full func(held int)) bool {
	for {
		b.mu.Lock()
		ok, held := b.bytes < limit, len(b.msgs)-b.head
		b.mu.Unlock()
		if ok {
			return true
		}
		if full != nil {
			full(held)
			full = nil
		}
		select {
		case <-b.room:
			select {
			case <-dead: // the room is not for a dead link: pass it on
				signal(b.room)
				return false
			default:
			}
		case <-ctx.Done():
			return false
		case <-dead:
			return false
		}
	}
}

// read reads l until it fails, putting messages in the inbox, and runs
// the heartbeat. While the inbox is full it does not read: the server's
// messages wait in the network, and the heartbeat pauses.
//
// It starts once prev, the reading goroutine of the last connection, has
// returned: so the messages of one connection come after the last one's,
// IsPong and Ping run one at a time, and only one goroutine waits for
// room in the inbox. prev returns soon: its link is dead (serve returns
// only then), which ends its Read, its ping's Write and its wait for
// room; it may still be in IsPong or Ping.
func (c *Conn) read(l *link, prev <-chan struct{}) {
	defer c.exit(&l.reader)
	hb := c.o.Heartbeat
	var full func(int)
	if h := c.o.hooks; h != nil {
		full = h.ReadAheadFull
		if prev != nil && h.ReadWaitsPrev != nil {
			h.ReadWaitsPrev()
		}
	}
	if prev != nil {
		select {
		case <-prev:
		case <-c.ctx.Done():
			return
		}
	}
	pinged := false
	for {
		// A link found dead meanwhile (by a Write, say) has nothing more
		// to read: its goroutine returns, and does not compete with the
		// next link's for the room Read makes.
		if !c.in.waitRoom(c.ctx, l.dead, c.o.ReadAhead, full) {
			return
		}
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
					c.drop(l, heartbeatFailure(hb.Interval+hb.Timeout))
					return
				}
				pinged = true
				if hb.Ping != nil {
					var typ client.MessageType
					var p []byte
					if !c.enter(&l.reader) {
						return
					}
					typ, p = hb.Ping()
					c.leave(&l.reader)
					wctx, cancel := context.WithTimeout(c.ctx, hb.Timeout)
					err := l.cc.Write(wctx, typ, p)
					cancel()
					if err != nil && c.ctx.Err() == nil {
						c.drop(l, pingFailure(err))
						return
					}
				}
				continue
			}
			c.drop(l, err)
			return
		}
		pinged = false
		if hb != nil && hb.IsPong != nil {
			var pong bool
			if !c.enter(&l.reader) {
				return
			}
			pong = hb.IsPong(typ, p)
			c.leave(&l.reader)
			if pong {
				continue
			}
		}
		c.in.push(message{typ: typ, p: p})
	}
}
