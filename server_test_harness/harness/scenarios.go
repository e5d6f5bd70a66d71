//go:build !js

package harness

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Each scenario parses its own query parameters (a bad one gets HTTP 400
// before the handshake) and returns what to do with the connection.

func (h *Harness) echo(query) (func(*conn), error) {
	return func(c *conn) { c.echo(-1) }, nil
}

// echo echoes n messages, or until the connection fails when n < 0. It
// reports whether it echoed all n.
func (c *conn) echo(n int) bool {
	for i := 0; n < 0 || i < n; i++ {
		typ, p, err := c.read()
		if err != nil {
			return false
		}
		if err := c.write(typ, p); err != nil {
			return false
		}
	}
	return true
}

func (h *Harness) clock(q query) (func(*conn), error) {
	every, err := q.duration("every", time.Second, time.Millisecond)
	if err != nil {
		return nil, err
	}
	count, err := q.int("count", 0, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		wait := c.drain()
		defer wait()
		t := time.NewTicker(every)
		defer t.Stop()
		for seq := int64(1); count == 0 || seq <= int64(count); seq++ {
			select {
			case <-c.ctx.Done():
				return
			case now := <-t.C:
				msg, _ := json.Marshal(Tick{Seq: seq, Time: now.UTC().Format(time.RFC3339Nano)})
				if c.write(websocket.MessageText, msg) != nil {
					return
				}
			}
		}
		c.closeWith(websocket.StatusNormalClosure, "clock: done")
	}, nil
}

// chatQueue is how many messages a chat client may fall behind before it
// is evicted, unless queue= says otherwise.
const chatQueue = 1024

type member struct {
	out   chan chatMsg
	evict sync.Once
}

type chatMsg struct {
	typ websocket.MessageType
	p   []byte
}

func (h *Harness) chat(q query) (func(*conn), error) {
	room := q.Get("room")
	queue, err := q.int("queue", chatQueue, 1, 1<<20)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		m := &member{out: make(chan chatMsg, queue)}
		h.mu.Lock()
		if h.rooms[room] == nil {
			h.rooms[room] = make(map[*conn]*member)
		}
		h.rooms[room][c] = m
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			delete(h.rooms[room], c)
			if len(h.rooms[room]) == 0 {
				delete(h.rooms, room)
			}
			h.mu.Unlock()
		}()

		done := make(chan struct{})
		defer func() { <-done }()
		go func() { // the writer: this member's queue to the wire
			defer close(done)
			for {
				select {
				case <-c.ctx.Done():
					return
				case msg := <-m.out:
					if c.write(msg.typ, msg.p) != nil {
						c.cancel()
						return
					}
				}
			}
		}()
		for {
			typ, p, err := c.read()
			if err != nil {
				c.cancel()
				return
			}
			h.mu.Lock()
			for peer, pm := range h.rooms[room] {
				select {
				case pm.out <- chatMsg{typ, p}:
				default:
					pm.evict.Do(func() {
						h.wg.Add(1)
						go func() {
							defer h.wg.Done()
							peer.evict()
						}()
					})
				}
			}
			h.mu.Unlock()
		}
	}, nil
}

// evict ends a connection whose client is too slow: with a close frame
// (1008) if one gets through within a second, else with a TCP reset.
func (c *conn) evict() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.closeWith(websocket.StatusPolicyViolation, "chat: client too slow")
	}()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		c.cut(true)
		<-done
	}
}

func (h *Harness) drop(q query) (func(*conn), error) {
	after, err := q.int("after", 0, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	delay, err := q.duration("delay", 0, 0)
	if err != nil {
		return nil, err
	}
	var rst bool
	switch how := q.Get("how"); how {
	case "", "fin":
	case "rst":
		rst = true
	default:
		return nil, fmt.Errorf("how=%q: want fin or rst", how)
	}
	return func(c *conn) {
		if delay > 0 {
			t := time.AfterFunc(delay, func() { c.cut(rst) })
			defer t.Stop()
			if after == 0 {
				c.echo(-1)
				return
			}
		}
		if c.echo(after) {
			c.cut(rst)
		}
	}, nil
}

func (h *Harness) closer(q query) (func(*conn), error) {
	code, reason, err := q.closeFrame(int(websocket.StatusNormalClosure))
	if err != nil {
		return nil, err
	}
	after, err := q.int("after", 0, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		if c.echo(after) {
			c.closeWith(code, reason)
		}
	}, nil
}

func (h *Harness) flood(q query) (func(*conn), error) {
	n, err := q.int("n", 1000, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	size, err := q.int("size", 16, 0, 64<<20)
	if err != nil {
		return nil, err
	}
	typ := websocket.MessageBinary
	switch t := q.Get("type"); t {
	case "", "binary":
	case "text":
		typ = websocket.MessageText
	default:
		return nil, fmt.Errorf("type=%q: want binary or text", t)
	}
	// hold: after the n messages, wait this long for the client to close
	// before closing. A test whose client closes on message k <= n then
	// makes the only close, and the server has sent at most n messages
	// when it gets it; with n=0 (no end) instead, the page has to take in
	// everything the server sent until the close reached it, an amount
	// that grows with how busy the machine is.
	hold, err := q.duration("hold", 0, 0)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		wait := c.drain()
		defer wait()
		for seq := uint64(1); n == 0 || seq <= uint64(n); seq++ {
			if c.write(typ, FloodMessage(seq, size, typ == websocket.MessageText)) != nil {
				return
			}
		}
		if hold > 0 {
			t := time.NewTimer(hold)
			defer t.Stop()
			select {
			case <-c.ctx.Done(): // the client closed (drain saw it), or the harness
				return
			case <-t.C:
			}
		}
		c.closeWith(websocket.StatusNormalClosure, "flood: done")
	}, nil
}

func (h *Harness) slow(q query) (func(*conn), error) {
	delay, err := q.duration("delay", 100*time.Millisecond, 0)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		t := time.NewTimer(delay)
		defer t.Stop()
		for {
			select {
			case <-c.ctx.Done():
				return
			case <-t.C:
			}
			if _, _, err := c.read(); err != nil {
				return
			}
			t.Reset(delay)
		}
	}, nil
}

func (h *Harness) silent(q query) (func(*conn), error) {
	hold, err := q.duration("hold", time.Minute, 0)
	if err != nil {
		return nil, err
	}
	return func(c *conn) {
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-c.ctx.Done():
		case <-t.C:
		}
		c.cut(false)
	}, nil
}

// invalidUTF8 is what /badutf8 sends as a text message.
var invalidUTF8 = []byte{'o', 'k', 0xff, 0xfe}

func (h *Harness) badUTF8(query) (func(*conn), error) {
	return func(c *conn) {
		if c.write(websocket.MessageText, invalidUTF8) == nil {
			c.echo(-1)
		}
	}, nil
}
