package cbor

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

// Codec is the codec.Codec of a compact binary format for any Go value:
// CBOR (RFC 8949), through github.com/fxamacker/cbor/v2, in binary
// messages.
// Structs are maps keyed by field name, honouring `cbor` and `json` field
// tags; a struct with a `cbor:",toarray"` tag on a blank field is an
// array instead, smaller still. Floats are sent in the shortest form that
// keeps their value, and times as RFC 3339 text with nanoseconds (tag 0).
//
// Decoding is configured for untrusted input: it refuses a message over
// Limits.MaxSize (codec.ErrTooBig), nesting deeper than Limits.MaxDepth
// (codec.ErrTooDeep), arrays and maps with more than Limits.MaxElements
// items (codec.ErrTooMany), maps with a key twice, and text that is not
// UTF-8. Unknown map keys are ignored. MaxDepth must be 4 to 65535 and
// MaxElements at least 16: other values make Unmarshal fail. The zero
// value uses the default Limits.
type Codec[T any] struct {
	Limits codec.Limits
}

// MessageType returns client.MessageBinary.
func (Codec[T]) MessageType() client.MessageType { return client.MessageBinary }

// Marshal returns the CBOR encoding of v.
func (Codec[T]) Marshal(v T) ([]byte, error) {
	em, err := cborEncMode()
	if err != nil {
		return nil, err
	}
	p, err := em.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("codec: cbor: %w", err)
	}
	return p, nil
}

// Append appends the CBOR encoding of v to dst.
func (Codec[T]) Append(dst []byte, v T) ([]byte, error) {
	return cborAppend(dst, v)
}

// Unmarshal checks data against the Limits as it decodes it into *v.
func (c Codec[T]) Unmarshal(data []byte, v *T) error {
	return cborUnmarshal(data, v, c.Limits.WithDefaults(), 0)
}

// The encoder is made on first use.
var cborEnc struct {
	once sync.Once
	em   fxcbor.UserBufferEncMode
	err  error
}

func cborEncMode() (fxcbor.UserBufferEncMode, error) {
	cborEnc.once.Do(func() {
		cborEnc.em, cborEnc.err = fxcbor.EncOptions{
			ShortestFloat: fxcbor.ShortestFloat16,
			Time:          fxcbor.TimeRFC3339Nano,
			TimeTag:       fxcbor.EncTagRequired,
		}.UserBufferEncMode()
		if cborEnc.err != nil {
			cborEnc.err = fmt.Errorf("codec: cbor: %w", cborEnc.err)
		}
	})
	return cborEnc.em, cborEnc.err
}

func cborAppend(dst []byte, v any) ([]byte, error) {
	em, err := cborEncMode()
	if err != nil {
		return dst, err
	}
	buf := bytes.NewBuffer(dst)
	if err := em.MarshalToBuffer(v, buf); err != nil {
		return dst, fmt.Errorf("codec: cbor: %w", err)
	}
	return buf.Bytes(), nil
}

// cborDecModes holds a decoder per distinct (depth, elements) limit.
var cborDecModes sync.Map // [2]int -> decModeResult

type decModeResult struct {
	dm  fxcbor.DecMode
	err error
}

func cborDecMode(depth, elements int) (fxcbor.DecMode, error) {
	key := [2]int{depth, elements}
	if r, ok := cborDecModes.Load(key); ok {
		r := r.(decModeResult)
		return r.dm, r.err
	}
	dm, err := fxcbor.DecOptions{
		DupMapKey:        fxcbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  depth,
		MaxArrayElements: elements,
		MaxMapPairs:      elements,
		UTF8:             fxcbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		err = fmt.Errorf("codec: cbor: limits: %w", err)
	}
	cborDecModes.Store(key, decModeResult{dm, err})
	return dm, err
}

// cborUnmarshal decodes data into v under lim, allowing extraDepth
// levels more (an envelope's).
func cborUnmarshal(data []byte, v any, lim codec.Limits, extraDepth int) error {
	if err := lim.CheckSize("cbor", data); err != nil {
		return err
	}
	dm, err := cborDecMode(lim.MaxDepth+extraDepth, lim.MaxElements)
	if err != nil {
		return err
	}
	if err := dm.Unmarshal(data, v); err != nil {
		return cborError(err)
	}
	return nil
}

// cborError wraps err, adding the sentinel of the limit it reports.
func cborError(err error) error {
	var (
		depth *fxcbor.MaxNestedLevelError
		arr   *fxcbor.MaxArrayElementsError
		pairs *fxcbor.MaxMapPairsError
	)
	switch {
	case errors.As(err, &depth):
		return fmt.Errorf("codec: cbor: %w: %w", codec.ErrTooDeep, err)
	case errors.As(err, &arr), errors.As(err, &pairs):
		return fmt.Errorf("codec: cbor: %w: %w", codec.ErrTooMany, err)
	}
	return fmt.Errorf("codec: cbor: %w", err)
}

// Format is a codec.Router's envelope in CBOR: binary messages, each one
// CBOR map with the text keys and meanings of codec.JSONFormat's fields
// ("type", "id", "data", "error"), the payload being any CBOR item, in
// Codec's encoding:
//
//	{"type": "add", "id": 7, "data": {"a": 1, "b": 2}}
//	{"id": 7, "data": {"sum": 3}}
type Format struct{}

// MessageType returns client.MessageBinary.
func (Format) MessageType() client.MessageType { return client.MessageBinary }

type cborEnvelope struct {
	Type  string             `cbor:"type"`
	ID    uint64             `cbor:"id"`
	Data  fxcbor.RawMessage  `cbor:"data"`
	Error *codec.RemoteError `cbor:"error"`
}

// ParseEnvelope decodes the CBOR envelope p.
func (Format) ParseEnvelope(p []byte, lim codec.Limits) (codec.Envelope, error) {
	var e cborEnvelope
	if err := cborUnmarshal(p, &e, lim, 1); err != nil {
		return codec.Envelope{}, err
	}
	return codec.Envelope{Kind: e.Type, ID: e.ID, Data: e.Data, Err: e.Error}, nil
}

// UnmarshalData decodes an envelope's CBOR data into v.
func (Format) UnmarshalData(data []byte, v any, lim codec.Limits) error {
	return cborUnmarshal(data, v, lim, 0)
}

// AppendEnvelope appends e as a CBOR map, with data as its "data".
func (Format) AppendEnvelope(dst []byte, e *codec.Envelope, data any) ([]byte, error) {
	n := 0
	for _, present := range []bool{e.Kind != "", e.ID != 0, data != nil, e.Err != nil} {
		if present {
			n++
		}
	}
	dst = appendCBORHead(dst, cborMap, uint64(n))
	if e.Kind != "" {
		dst = appendCBORText(dst, "type")
		dst = appendCBORText(dst, e.Kind)
	}
	if e.ID != 0 {
		dst = appendCBORText(dst, "id")
		dst = appendCBORHead(dst, cborUint, e.ID)
	}
	var err error
	if data != nil {
		dst = appendCBORText(dst, "data")
		if dst, err = cborAppend(dst, data); err != nil {
			return dst, err
		}
	}
	if e.Err != nil {
		dst = appendCBORText(dst, "error")
		if dst, err = cborAppend(dst, e.Err); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// CBOR major types (RFC 8949 section 3.1), in the top three bits.
const (
	cborUint = 0 << 5
	cborText = 3 << 5
	cborMap  = 5 << 5
)

// appendCBORHead appends the head of a data item of major type major
// with argument n, in the shortest form (RFC 8949 section 4.2.1).
func appendCBORHead(dst []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(dst, major|byte(n))
	case n <= 0xff:
		return append(dst, major|24, byte(n))
	case n <= 0xffff:
		return append(dst, major|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(dst, major|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, major|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
		byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendCBORText appends s, valid UTF-8, as a CBOR text string.
func appendCBORText(dst []byte, s string) []byte {
	dst = appendCBORHead(dst, cborText, uint64(len(s)))
	return append(dst, s...)
}
