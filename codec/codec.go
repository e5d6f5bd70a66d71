package codec

import (
	"context"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// Codec encodes values of type T as messages of one type, and decodes
// them back. The codecs of this package are safe for concurrent use, as
// any Codec given to a Conn or shared between goroutines must be.
type Codec[T any] interface {
	// MessageType is the type of the messages the codec writes and reads.
	MessageType() client.MessageType
	// Marshal encodes v. The slice it returns may be v's own memory
	// (Bytes returns v itself): the caller must not keep it past a Write.
	Marshal(v T) ([]byte, error)
	// Unmarshal decodes data into *v. It may keep data (Bytes does): a
	// Conn hands it slices that nothing else uses.
	Unmarshal(data []byte, v *T) error
}

// Appender is a Codec that can also encode into a buffer the caller
// gives. Conn.Send and the Router use it to reuse buffers, so a message
// sent through one costs no allocation of its own. Text, Marshaler and
// cbor.Codec are Appenders (Bytes needs no buffer: it sends v itself).
type Appender[T any] interface {
	Codec[T]
	// Append appends the encoding of v to dst and returns the result.
	Append(dst []byte, v T) ([]byte, error)
}

// MessageConn is the message surface a Conn and a Router run on. It is
// satisfied by *client.Conn, and by anything else that reads and writes
// whole WebSocket messages, such as Pipe's ends.
//
// Read must return a slice that nothing else uses or changes later (the
// codecs may keep it); Write must not keep p after it returns. Both must
// be safe to call at the same time as each other, and Write from several
// goroutines at once.
type MessageConn interface {
	Read(ctx context.Context) (client.MessageType, []byte, error)
	Write(ctx context.Context, typ client.MessageType, p []byte) error
}

// Redialer is a MessageConn that dials a new connection when its
// connection is lost, and goes on reading and writing on the new one,
// such as *reconnect.Conn. A Router running on a Redialer outlives the
// loss of a connection: the calls waiting for a reply fail with
// ErrConnLost, except idempotent ones (see Idempotent), which are sent
// again. Only when the Redialer itself ends (its Read fails) does the
// Router end.
type Redialer interface {
	MessageConn
	// OnDisconnect registers fn to be called with the error that ended
	// a connection, each time one is lost, before the next one is dialled,
	// until stop is called. fn must not block; it may call Write.
	OnDisconnect(fn func(err error)) (stop func())
}

var (
	// ErrMessageType: a message of the wrong type, such as a binary
	// message for a JSON codec. It comes inside a *DecodeError, with the
	// message.
	ErrMessageType = errors.New("codec: unexpected message type")
	// ErrTooBig: a message over Limits.MaxSize, refused before decoding.
	ErrTooBig = errors.New("codec: message over the size limit")
	// ErrTooDeep: arrays and objects (maps) nested deeper than
	// Limits.MaxDepth, refused before decoding.
	ErrTooDeep = errors.New("codec: nesting over the depth limit")
	// ErrTooMany: a CBOR array or map with more than Limits.MaxElements
	// elements or pairs (package codec/cbor).
	ErrTooMany = errors.New("codec: array or map over the element limit")
)

// DecodeError is a message that did not decode. Only that message is
// lost: the connection stays open, and the next Receive (or the Router's
// next message) goes on.
type DecodeError struct {
	// Type is the message's type.
	Type client.MessageType
	// Data is the whole message as it was received.
	Data []byte
	// Kind is the envelope's kind when a Router got the message, if it
	// got as far as reading one; "" for a Conn.
	Kind string
	// Err is the cause: the codec's error, or one with ErrMessageType,
	// ErrTooBig, ErrTooDeep, ErrTooMany or ErrUnknownKind in its chain.
	Err error
}

// Error says which message did not decode, and why.
func (e *DecodeError) Error() string {
	s := "codec: " + e.Type.String() + " message"
	if e.Kind != "" {
		s += " of kind " + strconv.Quote(e.Kind)
	}
	return s + " (" + strconv.Itoa(len(e.Data)) + " bytes) did not decode: " + errorString(e.Err)
}

// errorString returns err.Error(), or "<nil>" as fmt's %v does.
func errorString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Defaults for the zero Limits.
const (
	DefaultMaxSize     = 1 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 1 << 16
)

// Limits bounds what JSON, cbor.Codec (package codec/cbor) and a Router
// accept from a peer, so that a hostile message costs an error, never a
// stack overflow or all of the memory. The zero value means the defaults.
type Limits struct {
	// MaxSize is the largest message decoded, in bytes: 0 means
	// DefaultMaxSize (1 MiB), -1 no limit. The connection has its own
	// limit (client.Options.ReadLimit, 32 KiB by default), which refuses
	// a large message before it is read; raise both for large messages.
	MaxSize int
	// MaxDepth is the deepest nesting of arrays and objects (maps) in a
	// message, counting the outermost: 0 means DefaultMaxDepth (64).
	// In CBOR (package codec/cbor), tags count as levels too.
	MaxDepth int
	// MaxElements bounds the elements of each CBOR array and the pairs
	// of each CBOR map, whose headers say how many follow: 0 means
	// DefaultMaxElements (65536). Byte and text strings are one element.
	// JSON has no such headers: its arrays are bounded by MaxSize.
	MaxElements int
}

// WithDefaults returns l with the defaults in place of zero values, as
// the decoders use it.
func (l Limits) WithDefaults() Limits {
	if l.MaxSize == 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	return l
}

// CheckSize returns an error wrapping ErrTooBig if p is over l.MaxSize
// (l has its defaults filled in); format names the decoder.
func (l Limits) CheckSize(format string, p []byte) error {
	if l.MaxSize >= 0 && len(p) > l.MaxSize {
		return errs.Wrap("codec: "+format+": "+strconv.Itoa(len(p))+" bytes, limit "+strconv.Itoa(l.MaxSize), ErrTooBig)
	}
	return nil
}

// wrongType is the cause of a DecodeError for a message of type typ
// where want was expected.
func wrongType(typ, want client.MessageType) error {
	return errs.Wrap("codec: got a "+typ.String()+" message, want "+want.String(), ErrMessageType)
}

// Text is the Codec of raw text messages, as Go strings.
type Text struct{}

// MessageType returns client.MessageText.
func (Text) MessageType() client.MessageType { return client.MessageText }

// Marshal returns v's bytes.
func (Text) Marshal(v string) ([]byte, error) { return []byte(v), nil }

// Append appends v to dst.
func (Text) Append(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }

// Unmarshal sets *v to data as a string, which must be UTF-8 (as text
// from a client.Conn always is).
func (Text) Unmarshal(data []byte, v *string) error {
	if !utf8.Valid(data) {
		return errs.Wrap("codec: text", client.ErrInvalidUTF8)
	}
	*v = string(data)
	return nil
}

// Bytes is the Codec of raw binary messages. It copies nothing: Marshal
// returns v itself and Unmarshal keeps data.
type Bytes struct{}

// MessageType returns client.MessageBinary.
func (Bytes) MessageType() client.MessageType { return client.MessageBinary }

// Marshal returns v.
func (Bytes) Marshal(v []byte) ([]byte, error) { return v, nil }

// Unmarshal sets *v to data, without copying it.
func (Bytes) Unmarshal(data []byte, v *[]byte) error {
	*v = data
	return nil
}
