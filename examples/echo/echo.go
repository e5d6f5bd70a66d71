// Package echo is the echo demo's client: it sends a text or binary
// message to an echo server (package echoserver) and returns the echo,
// over a connection that dials again when it is lost. It has no build
// tag: the page (echo/web, compiled to WebAssembly) and the terminal
// client (echo/cli) are thin layers over the same code.
//
//	c := echo.Dial("ws://127.0.0.1:8080/echo/echo", nil)
//	defer c.Close()
//	back, err := c.Echo(ctx, echo.Binary(data))
//	same := bytes.Equal(back.Data, data)
//
// In a browser, Options choose how the page's WebSocket hands over
// binary messages (BinaryType: ArrayBuffer or Blob) and which API it
// runs on (Transport: WebSocket or WebSocketStream); natively they do
// nothing.
package echo

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/reconnect"
)

// MaxMessage is the largest message, in bytes, that the client sends and
// the server echoes.
const MaxMessage = 16 << 20

// ErrTooBig is in the chain of Echo's error for a message over
// MaxMessage: nothing was sent.
var ErrTooBig = errors.New("echo: message over the size limit")

// ErrLost is in the chain of Echo's error when the connection was lost
// before the echo came: the message may or may not have been echoed.
var ErrLost = errors.New("echo: connection lost before the echo came")

// ErrNotConnected is in the chain of Echo's error while there is no
// connection: nothing was sent.
var ErrNotConnected = errors.New("echo: not connected")

// ErrClosed is in the chain of Echo's error once the client has ended.
var ErrClosed = errors.New("echo: the client has ended")

// wrapped is an error with words for a person (its text is "echo: "
// and those), and err in its chain.
type wrapped struct {
	reason string
	err    error
}

func (e *wrapped) Error() string { return "echo: " + e.reason }

// Reason says what happened, for a person (status.Explain uses it).
func (e *wrapped) Reason() string { return e.reason }
func (e *wrapped) Unwrap() error  { return e.err }

// Message is a text or a binary message.
type Message struct {
	Binary bool
	Text   string // when !Binary
	Data   []byte // when Binary
}

// Text returns a text message.
func Text(s string) Message { return Message{Text: s} }

// Binary returns a binary message.
func Binary(p []byte) Message { return Message{Binary: true, Data: p} }

// Len returns the message's size in bytes.
func (m Message) Len() int {
	if m.Binary {
		return len(m.Data)
	}
	return len(m.Text)
}

// Reply is the server's echo of a message, and what it took.
type Reply struct {
	Message
	// Buffered is what the connection had buffered for sending right
	// after the message was written: in a browser, whose WebSocket sends
	// after Write returns, the message's size or more with the classic
	// WebSocket (less with WebSocketStream, whose writer takes it as it
	// goes); natively 0.
	Buffered int64
	// Took is the time from the write to the echo.
	Took time.Duration
}

// Options configures Dial. A nil *Options means the zero value.
type Options struct {
	// BinaryType is how the browser hands over binary messages:
	// client.ArrayBuffer (the zero value) or client.Blob.
	BinaryType client.BinaryType
	// Transport is the browser's API: client.TransportWebSocket (the
	// zero value) or client.TransportStream (WebSocketStream).
	Transport client.Transport
	// Backoff says how long to wait before each redial; nil means
	// reconnect.Exponential with a 500 ms start and an 8 s cap.
	Backoff reconnect.Backoff
	// Heartbeat is the silence after which the client checks that the
	// server is there; one that says nothing for as long again is taken
	// for dead, and the client dials again. 0 means DefaultHeartbeat.
	// The check is a binary message of the client's own, which the
	// server echoes and Echo never returns: the same on both platforms
	// (a browser sends no ping frame).
	Heartbeat time.Duration
}

// DefaultHeartbeat is Options.Heartbeat's default: a connection that dies
// without a word (the network gone, TCP still up) is found within twice
// as long.
const DefaultHeartbeat = 15 * time.Second

// Client is a connection to an echo server. Its methods are safe for
// concurrent use; Echo calls take turns.
type Client struct {
	ctx     context.Context // ends with Close
	cancel  context.CancelFunc
	done    chan struct{} // closed when run returns
	ready   chan struct{} // closed once conn is set
	conn    *reconnect.Conn
	turn    chan struct{} // held by the Echo under way
	changed chan struct{}

	mu     sync.Mutex
	status status.Status
	cc     *client.Conn  // the connection open now, or the last one
	lost   chan struct{} // closed when a connection is lost; then replaced
}

// Dial returns a Client that connects to the echo server at url in the
// background: Status says how far it has got, and Changed when that
// changes. It goes on dialling, under the backoff, until Close.
func Dial(url string, o *Options) *Client {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Backoff == nil {
		opts.Backoff = reconnect.Exponential{Initial: 500 * time.Millisecond, Max: 8 * time.Second}
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	c := &Client{
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		turn:    make(chan struct{}, 1),
		changed: make(chan struct{}, 1),
		status:  status.Status{State: status.Connecting},
		lost:    make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run(url, opts)
	return c
}

func (c *Client) run(url string, o Options) {
	defer close(c.done)
	conn, err := c.dial(url, o)
	if err != nil {
		return // OnState has said why
	}
	c.conn = conn
	close(c.ready)
	stop := conn.OnDisconnect(func(error) {
		c.mu.Lock()
		close(c.lost)
		c.lost = make(chan struct{})
		c.mu.Unlock()
	})
	select {
	case <-c.ctx.Done():
		_ = conn.Close(client.StatusNormalClosure, "")
	case <-conn.Done():
	}
	stop()
	<-conn.Done()
}

// dial is the client's one use of package reconnect.
func (c *Client) dial(url string, o Options) (*reconnect.Conn, error) {
	return reconnect.Dial(c.ctx, url, &reconnect.Options{
		Dial: client.Options{
			ReadLimit:  MaxMessage,
			BinaryType: o.BinaryType,
			Transport:  o.Transport,
		},
		Backoff: o.Backoff,
		// No queue: while disconnected, Echo fails at once rather than
		// wait for an echo that may come from the next connection.
		SendQueueLimit: -1,
		Heartbeat:      heartbeat(o.Heartbeat),
		OnConnect: func(_ context.Context, cc *client.Conn) error {
			c.mu.Lock()
			c.cc = cc
			c.mu.Unlock()
			return nil
		},
		OnState: func(e reconnect.Event) {
			c.mu.Lock()
			c.status = status.FromEvent(e, time.Now())
			c.mu.Unlock()
			select {
			case c.changed <- struct{}{}:
			default:
			}
		},
	})
}

// Status says where the connection is.
func (c *Client) Status() status.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Changed returns a channel that receives a value after Status has
// changed (several changes may come as one).
func (c *Client) Changed() <-chan struct{} { return c.changed }

// Transport returns the browser API the open connection runs on (natively
// always client.TransportWebSocket).
func (c *Client) Transport() client.Transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cc == nil {
		return client.TransportWebSocket
	}
	return c.cc.Transport()
}

// Buffered returns the bytes written on the open connection that are not
// sent yet: the browser's bufferedAmount (natively, 0 once Write
// returns).
func (c *Client) Buffered() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cc == nil {
		return 0
	}
	return c.cc.BufferedAmount()
}

// Echo sends m and returns the server's echo of it. One Echo runs at a
// time; others wait their turn (bounded by their ctx). It fails at once
// while there is no connection, and with ErrLost if the connection is
// lost before the echo comes.
func (c *Client) Echo(ctx context.Context, m Message) (Reply, error) {
	start := time.Now()
	var r Reply
	var err error
	r.Message, err = c.echo(ctx, m, &r.Buffered)
	r.Took = time.Since(start)
	return r, err
}

func (c *Client) echo(ctx context.Context, m Message, buffered *int64) (Message, error) {
	if err := CheckSize(m.Len()); err != nil {
		return Message{}, err
	}
	select {
	case <-c.ready:
	case <-ctx.Done():
		return Message{}, ctx.Err()
	case <-c.done:
		return Message{}, ErrClosed
	}
	select {
	case c.turn <- struct{}{}:
		defer func() { <-c.turn }()
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
	c.mu.Lock()
	lost := c.lost
	c.mu.Unlock()
	if err := c.write(ctx, m); err != nil {
		if errors.Is(err, reconnect.ErrSendQueueFull) {
			return Message{}, &wrapped{"not connected: nothing was sent", errors.Join(ErrNotConnected, err)}
		}
		return Message{}, err
	}
	*buffered = c.Buffered() // before anything else runs: the browser has not sent much yet
	read, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	go func() {
		select {
		case <-lost:
			cancel()
		case <-read.Done():
		}
	}()
	typ, p, err := c.conn.Read(read)
	if err == nil {
		return decode(typ, p)
	}
	if ctx.Err() == nil {
		select {
		case <-lost:
			return Message{}, &wrapped{"the connection was lost before the echo came", errors.Join(ErrLost, err)}
		default:
		}
		if c.ctx.Err() != nil {
			return Message{}, ErrClosed
		}
	}
	return Message{}, err
}

// heartbeat returns the client's reconnect.Heartbeat: a binary message
// the echo server sends back, of random bytes so that no message of the
// program's is taken for it.
func heartbeat(every time.Duration) *reconnect.Heartbeat {
	ping := make([]byte, 24)
	for i := range ping {
		ping[i] = byte(rand.Uint32())
	}
	return &reconnect.Heartbeat{
		Interval: every,
		Ping:     func() (client.MessageType, []byte) { return client.MessageBinary, ping },
		IsPong: func(typ client.MessageType, p []byte) bool {
			return typ == client.MessageBinary && bytes.Equal(p, ping)
		},
	}
}

// CheckSize returns an error wrapping ErrTooBig, for a person to read, if
// a message of n bytes is over MaxMessage.
func CheckSize(n int) error {
	if n > MaxMessage {
		return &wrapped{"the message is too large: " + size(n) + ", at most " + size(MaxMessage), ErrTooBig}
	}
	return nil
}

// write sends m, through codec's Text or Bytes.
func (c *Client) write(ctx context.Context, m Message) error {
	if m.Binary {
		return codec.NewConn(c.conn, codec.Bytes{}).Send(ctx, m.Data)
	}
	return codec.NewConn(c.conn, codec.Text{}).Send(ctx, m.Text)
}

// decode returns the message of type typ, through codec's Text or Bytes.
func decode(typ client.MessageType, p []byte) (Message, error) {
	if typ == client.MessageBinary {
		var m Message
		m.Binary = true
		return m, codec.Bytes{}.Unmarshal(p, &m.Data)
	}
	var m Message
	return m, codec.Text{}.Unmarshal(p, &m.Text)
}

// Close closes the connection; the client ends.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

// size says n bytes in a person's words: "512 bytes", "3.2 MiB".
func size(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + " bytes"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
