package codec

import (
	"context"

	"github.com/duplex-go/duplex/internal/errs"
)

// Conn sends and receives values of type T over a MessageConn, each one
// message encoded by a Codec.
//
// Send may be called from several goroutines at once if the
// MessageConn's Write may (client.Conn's may); Receive by one goroutine
// at a time. A message that does not decode is a *DecodeError from
// Receive, and only that message is lost: the connection stays open and
// the next Receive reads the next message. Read and Write errors, such as
// ctx.Err() or a *client.CloseError, are returned as they are. A Conn
// holds nothing to close: close the MessageConn.
type Conn[T any] struct {
	mc MessageConn
	cd Codec[T]
	ap Appender[T] // cd, if it is one
}

// NewConn returns a Conn sending and receiving T over mc with cd.
func NewConn[T any](mc MessageConn, cd Codec[T]) *Conn[T] {
	ap, _ := cd.(Appender[T])
	return &Conn[T]{mc: mc, cd: cd, ap: ap}
}

// Send encodes v and writes it as one message. An encoding error sends
// nothing.
func (c *Conn[T]) Send(ctx context.Context, v T) error {
	typ := c.cd.MessageType()
	if c.ap == nil {
		p, err := c.cd.Marshal(v)
		if err != nil {
			return errs.Wrap("codec: send", err)
		}
		return c.mc.Write(ctx, typ, p)
	}
	b := getBuffer()
	defer putBuffer(b)
	p, err := c.ap.Append(*b, v)
	*b = p[:0]
	if err != nil {
		return errs.Wrap("codec: send", err)
	}
	return c.mc.Write(ctx, typ, p)
}

// Receive reads the next message and decodes it. A message that does not
// decode, or is not of the codec's MessageType (ErrMessageType), is a
// *DecodeError carrying the message; the connection stays open.
func (c *Conn[T]) Receive(ctx context.Context) (T, error) {
	var v T
	typ, p, err := c.mc.Read(ctx)
	if err != nil {
		return v, err
	}
	if want := c.cd.MessageType(); typ != want {
		return v, &DecodeError{Type: typ, Data: p, Err: wrongType(typ, want)}
	}
	if err := c.cd.Unmarshal(p, &v); err != nil {
		var zero T
		return zero, &DecodeError{Type: typ, Data: p, Err: err}
	}
	return v, nil
}

// Send encodes into buffers kept for reuse: at most maxKept of them, each
// at most maxPooled bytes, so what is kept stays under 512 KiB however
// large a message was. A channel, not a sync.Pool: the pool's machinery
// costs a page about 9 KB gzipped, and a few buffers do the same job.
const (
	maxPooled = 64 << 10
	maxKept   = 8
)

var buffers = make(chan *[]byte, maxKept)

func getBuffer() *[]byte {
	select {
	case b := <-buffers:
		return b
	default:
		b := make([]byte, 0, 1024)
		return &b
	}
}

func putBuffer(b *[]byte) {
	if cap(*b) > maxPooled {
		return
	}
	select {
	case buffers <- b:
	default:
	}
}
