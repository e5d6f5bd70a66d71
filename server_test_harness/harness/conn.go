//go:build !js

package harness

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"

	"github.com/coder/websocket"
)

// conn is one accepted WebSocket connection.
type conn struct {
	h       *Harness
	ready   chan struct{} // closed once Accept has returned and set ws, nc and br
	ws      *websocket.Conn
	nc      net.Conn // the hijacked connection under ws, for TCP cuts
	id      string
	st      *ConnStats // guarded by h.mu
	ctx     context.Context
	cancel  context.CancelFunc
	cutOnce sync.Once
	kicked  bool // guarded by h.mu: a kick is ending it

	// A raw connection (a hostile scenario) never lets ws read or write:
	// it writes frames to nc by hand and reads the client's from br.
	raw          bool
	br           *bufio.Reader // the reader ws would use, holding any bytes read ahead
	wmu          sync.Mutex    // serializes writes to nc
	clientClosed chan struct{} // closed when the client's close frame arrives
}

// read reads a message, counts it, and notes the client's close frame.
func (c *conn) read() (websocket.MessageType, []byte, error) {
	typ, p, err := c.ws.Read(c.ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			c.h.mu.Lock()
			if c.st.ClientCloseCode == 0 {
				c.st.ClientCloseCode = int(ce.Code)
				c.st.ClientCloseReason = ce.Reason
			}
			c.h.mu.Unlock()
		}
		return 0, nil, err
	}
	c.h.update(c.id, func(s *Stats) {
		s.MessagesReceived++
		s.BytesReceived += int64(len(p))
	})
	c.h.mu.Lock()
	c.st.MessagesReceived++
	c.h.mu.Unlock()
	return typ, p, nil
}

// write writes a message and counts it. It counts first, so that a client
// which has read the message finds it in the stats; a write that fails is
// taken back out.
func (c *conn) write(typ websocket.MessageType, p []byte) error {
	c.count(1, len(p))
	if err := c.ws.Write(c.ctx, typ, p); err != nil {
		c.count(-1, -len(p))
		return err
	}
	return nil
}

func (c *conn) count(messages, bytes int) {
	c.h.update(c.id, func(s *Stats) {
		s.MessagesSent += int64(messages)
		s.BytesSent += int64(bytes)
	})
	c.h.mu.Lock()
	c.st.MessagesSent += int64(messages)
	c.h.mu.Unlock()
}

// drain reads and discards messages in a goroutine until the connection
// fails, then cancels the connection's context; wait for it with the
// returned func.
func (c *conn) drain() (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.cancel()
		for {
			if _, _, err := c.read(); err != nil {
				return
			}
		}
	}()
	return func() { <-done }
}

// cut closes the TCP connection with no close frame: a FIN, or a reset
// when rst is set.
func (c *conn) cut(rst bool) {
	<-c.ready
	if c.ws == nil {
		c.cancel()
		return // never accepted
	}
	c.cutOnce.Do(func() {
		nc := c.nc
		if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
			nc = tc.NetConn() // under TLS
		}
		if tcp, ok := nc.(*net.TCPConn); ok && rst {
			_ = tcp.SetLinger(0)
		}
		_ = nc.Close()
		c.ws.CloseNow()
		c.cancel()
	})
}

// closeWith sends a close frame and waits for the client's answer, at most
// coder/websocket's 5 s.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	<-c.ready
	switch {
	case c.ws == nil:
	case c.raw:
		c.rawClose(int(code), reason)
	default:
		_ = c.ws.Close(code, reason)
	}
}
