package reconnect

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/duplex-go/duplex/client"
)

// Read returns the next message, of whichever connection is open, or of
// one lost since (its messages come first). It waits across redials; it
// returns ctx.Err() when ctx ends (the Conn stays usable), and an error
// wrapping ErrGaveUp or net.ErrClosed when the Conn has ended: after
// Close at once, after giving up once the messages that came before are
// read.
func (c *Conn) Read(ctx context.Context) (client.MessageType, []byte, error) {
	for {
		if c.isClosing() {
			return 0, nil, c.ended("read")
		}
		if m, ok := c.in.pop(); ok {
			return m.typ, m.p, nil
		}
		select {
		case <-c.in.avail:
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-c.ctx.Done():
			if m, ok := c.in.pop(); ok && !c.isClosing() {
				return m.typ, m.p, nil
			}
			return 0, nil, c.ended("read")
		}
	}
}

// Reader is Read with the message's body as an io.Reader, for code
// written for client.Conn's Reader. The Conn has received the message
// whole: reading the body never waits.
func (c *Conn) Reader(ctx context.Context) (client.MessageType, io.Reader, error) {
	typ, p, err := c.Read(ctx)
	if err != nil {
		return 0, nil, err
	}
	return typ, &bodyReader{p}, nil
}

// bodyReader reads a message's body. (Not bytes.Reader: package bytes
// would bring package unicode's tables to every page, some 3 KB.)
type bodyReader struct{ p []byte }

func (r *bodyReader) Read(b []byte) (int, error) {
	if len(r.p) == 0 {
		return 0, io.EOF
	}
	n := copy(b, r.p)
	r.p = r.p[n:]
	return n, nil
}

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
// if ctx ended or dead was closed first, and whether it had to wait.
// full, if not nil, is told when it starts waiting.
func (b *inbox) waitRoom(ctx context.Context, dead <-chan struct{}, limit int64, full func(held int)) (ok, waited bool) {
	for {
		b.mu.Lock()
		ok, held := b.bytes < limit, len(b.msgs)-b.head
		b.mu.Unlock()
		if ok {
			return true, waited
		}
		waited = true
		if full != nil {
			full(held)
			full = nil
		}
		select {
		case <-b.room:
			select {
			case <-dead: // the room is not for a dead link: pass it on
				signal(b.room)
				return false, waited
			default:
			}
		case <-ctx.Done():
			return false, waited
		case <-dead:
			return false, waited
		}
	}
}

// read reads l until it fails, putting messages in the inbox, and runs
// the heartbeat (beat). While the inbox is full it does not read: the
// server's messages wait in the network, and the heartbeat pauses.
//
// It starts once prev, the reading goroutine of the last connection, has
// returned: so the messages of one connection come after the last one's,
// IsPong and Ping run one at a time, and only one goroutine waits for
// room in the inbox. prev returns soon: its link is dead (serve returns
// only then), which ends its Read, its ping's Write and its wait for
// room; it may still be in IsPong or Ping.
func (c *Conn) read(l *link, prev <-chan struct{}) {
	defer c.exit(&l.reader)
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
	var b *beat
	if hb := c.o.Heartbeat; hb != nil {
		b = &beat{c: c, l: l, hb: hb, frames: hb.Frames}
		b.repoke()
		defer b.end()
	}
	for {
		// A link found dead meanwhile (by a Write, say) has nothing more
		// to read: its goroutine returns, and does not compete with the
		// next link's for the room Read makes.
		ok, waited := c.in.waitRoom(c.ctx, l.dead, c.o.ReadAhead, full)
		if !ok {
			return
		}
		ctx, cancel := c.ctx, context.CancelFunc(nil)
		if b != nil {
			if waited {
				b.pause()
			}
			ctx, cancel = b.arm()
		}
		typ, p, err := l.cc.Read(ctx)
		// Silence, not a failure: the Read's own ctx ended.
		silent := err != nil && cancel != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
		if cancel != nil {
			cancel()
		}
		if err != nil {
			switch {
			case c.ctx.Err() != nil:
				return
			case silent:
				if !b.silence() {
					return
				}
				continue
			}
			c.drop(l, err)
			return
		}
		if b != nil {
			pong, ok := b.got(typ, p)
			if !ok {
				return
			}
			if pong {
				continue
			}
		}
		c.in.push(message{typ: typ, p: p})
	}
}
