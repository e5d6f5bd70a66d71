//go:build js && wasm

package wasm

import (
	"context"
	"sync"

	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

// Conn is a browser WebSocket. One goroutine may Read while others Write
// and Close: reads are serialized with each other and writes with each
// other, each wait bounded by its ctx. Once the connection has ended, every
// method returns an error with ErrClosed in its chain.
type Conn struct {
	url        string
	pre        string // the errors' prefix: "wasm: ", or "client: " under client's Dial
	opts       Options
	transport  Transport
	binaryType BinaryType
	b          backend
	wake       *jsbridge.Func // the shim's way into Go without the export; nil for the fallback
	id         int            // the shim's id for c on the export path (entry.go), else -1

	readSem   chan struct{}
	writeSem  chan struct{}
	readWake  chan struct{}
	writeWake chan struct{}
	final     chan struct{} // closed when nothing will call into Go again
	finalOnce sync.Once
	closing   chan struct{} // closed by Close

	// Read's state, under readSem: rbuf holds what the backend packed
	// (see backend.fill: never much more than batchBytes), batch what of
	// it is still to be read. On the export path the shim packs messages
	// into rbuf when they arrive for a Read that waits, and arrived says
	// how many bytes (entry.go).
	rbuf    []byte
	batch   []byte
	arrived int

	mu          sync.Mutex
	closeCalled bool
	queueAuto   bool // Options.ReceiveQueueLimit was 0: it follows the ReadLimit
}

// notify is how the backend wakes Conn's waiters.
func (c *Conn) notify(bits int) {
	if bits&1 != 0 {
		select {
		case c.readWake <- struct{}{}:
		default:
		}
	}
	if bits&2 != 0 {
		select {
		case c.writeWake <- struct{}{}:
		default:
		}
	}
	if bits&4 != 0 {
		c.finalize()
	}
}

// finalize releases the wake func: nothing calls into Go after it. (Not
// inlined: it is called from ten places, and its closure would be
// copied into each.)
//
//go:noinline
func (c *Conn) finalize() {
	c.finalOnce.Do(func() {
		if c.wake != nil {
			c.wake.Release()
		}
		if c.id >= 0 {
			conns[c.id] = nil
		}
		close(c.final)
	})
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// SetReadLimit changes Options.ReadLimit for the messages that arrive from
// now on (n <= 0 other than -1 means DefaultReadLimit, -1 no limit). The
// queue limit follows it as Options.ReceiveQueueLimit says: if that was 0, it
// becomes the default for n; else it is raised to n if it is lower.
// Messages already received were checked against the limit of their
// time.
func (c *Conn) SetReadLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = wsspec.ReadLimit(n)
	c.opts.ReadLimit = n
	if c.queueAuto {
		c.opts.ReceiveQueueLimit = defaultQueueLimit(n)
	}
	if n > c.opts.ReceiveQueueLimit {
		c.opts.ReceiveQueueLimit = n
	}
	c.b.setLimits(c.opts.ReadLimit, c.opts.ReceiveQueueLimit)
}

// URL returns the URL dialed, after resolving and rewriting.
func (c *Conn) URL() string { return c.url }

// Subprotocol returns the subprotocol the server chose, or "".
func (c *Conn) Subprotocol() string { return c.b.protocol() }

// Extensions returns the negotiated extensions, such as
// "permessage-deflate; client_max_window_bits", or "".
func (c *Conn) Extensions() string { return c.b.extensions() }

// BufferedAmount returns the bytes handed to the browser and not yet sent:
// the WebSocket's bufferedAmount, or for WebSocketStream the bytes its
// writer has not yet taken.
func (c *Conn) BufferedAmount() int64 { return c.b.buffered() }

// ReadyState returns the connection's state as the DOM names it. With
// WebSocketStream, a connection the peer has closed while messages it sent
// wait for Read is CLOSING until Read has taken them; writes fail, and
// Close reports the peer's close, as they do once it is CLOSED.
func (c *Conn) ReadyState() ReadyState { return c.b.readyState() }

// BinaryType returns how the browser hands over binary messages.
func (c *Conn) BinaryType() BinaryType { return c.binaryType }

// Transport returns the browser API in use: TransportWebSocket or
// TransportStream.
func (c *Conn) Transport() Transport { return c.transport }
