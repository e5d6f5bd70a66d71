package cbor_test

// Fuzz targets for what package cbor decodes from a peer:
//
//	go test -run '^$' -fuzz '^FuzzCodec$' -fuzztime 5m -parallel 1 ./codec/cbor

import (
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
	"github.com/duplex-go/duplex/internal/codectest"
)

// canon is RFC 8949's core deterministic encoding: one representation per
// value.
func canon[T any](v T) ([]byte, error) {
	em, err := fxcbor.CoreDetEncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return em.Marshal(v)
}

func FuzzCodec(f *testing.F) {
	cd := cbor.Codec[codectest.Value]{Limits: codectest.Limits}
	seed, _ := cd.Marshal(codectest.Seed)
	f.Add(seed)
	for _, s := range [][]byte{
		{0x81, 0x81, 0x81, 0x81, 0x00},                   // nested arrays
		{0x9a, 0x7f, 0xff, 0xff, 0xff},                   // a huge array header
		{0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // a huge byte string header
		{0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02},         // a duplicate key
		{0x9f, 0x9f, 0xff, 0xff},                         // indefinite lengths
		{0xc1, 0x1a, 0x5f, 0x00, 0x00, 0x00},             // a time tag
		{0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0},          // a bignum
	} {
		f.Add(s)
	}
	anyCodec := cbor.Codec[any]{Limits: codectest.Limits}
	f.Fuzz(func(t *testing.T, p []byte) {
		var x any
		_ = anyCodec.Unmarshal(p, &x)
		var v codectest.Value
		if err := cd.Unmarshal(p, &v); err != nil {
			return
		}
		codectest.RoundTrip(t, cd, canon[codectest.Value], v)
	})
}

func FuzzEnvelope(f *testing.F) {
	var seeds [][]byte
	for _, v := range []map[string]any{
		{"type": "chat", "data": codectest.Seed},
		{"type": "add", "id": 7, "data": []int{1, 2, 3}},
		{"id": 1, "data": 3},
		{"id": 1, "error": map[string]string{"code": "x", "message": "no"}},
		{"type": "nope", "id": 2},
		{"type": "chat", "data": map[string]string{"name": "fail"}},
		{"type": "add", "id": 3, "data": "not a list"},
	} {
		p, _ := cbor.Codec[map[string]any]{}.Marshal(v)
		seeds = append(seeds, p)
	}
	codectest.FuzzRouter(f, cbor.Format{}, seeds, func(e codec.Envelope) any {
		if e.Data == nil {
			return nil
		}
		return fxcbor.RawMessage(e.Data)
	})
}
