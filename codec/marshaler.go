package codec

import (
	"encoding"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// Marshaler is the Codec of a type whose pointer implements
// encoding.BinaryMarshaler and encoding.BinaryUnmarshaler, in binary
// messages. It uses no reflection, so it adds the least to a program
// (docs/benchmarks.md): the type's own methods are the format.
// Where *T also implements encoding.BinaryAppender, Append uses it, and a
// Conn sends without allocating.
//
//	conn := codec.NewConn(c, codec.Marshaler[Point, *Point]{})
//
// UnmarshalBinary sees the whole message as sent by the peer: it must
// check what it reads. The connection's read limit bounds the size.
type Marshaler[T any, PT interface {
	*T
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}] struct{}

// MessageType returns client.MessageBinary.
func (Marshaler[T, PT]) MessageType() client.MessageType { return client.MessageBinary }

// Marshal returns v.MarshalBinary().
func (Marshaler[T, PT]) Marshal(v T) ([]byte, error) {
	p, err := PT(&v).MarshalBinary()
	if err != nil {
		return nil, errs.Wrap("codec: MarshalBinary", err)
	}
	return p, nil
}

// Append appends v's encoding to dst, with AppendBinary where *T has it.
func (m Marshaler[T, PT]) Append(dst []byte, v T) ([]byte, error) {
	if a, ok := any(PT(&v)).(encoding.BinaryAppender); ok {
		out, err := a.AppendBinary(dst)
		if err != nil {
			return dst, errs.Wrap("codec: AppendBinary", err)
		}
		return out, nil
	}
	p, err := m.Marshal(v)
	return append(dst, p...), err
}

// Unmarshal calls v.UnmarshalBinary(data).
func (Marshaler[T, PT]) Unmarshal(data []byte, v *T) error {
	if err := PT(v).UnmarshalBinary(data); err != nil {
		return errs.Wrap("codec: UnmarshalBinary", err)
	}
	return nil
}
