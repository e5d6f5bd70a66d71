package cbor_test

// This file has no build tag: it runs natively and in headless Chrome.

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
	"github.com/duplex-go/duplex/internal/codectest"
	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

type Quote = codectest.Quote

var quote = codectest.SampleQuote

// roundTrip checks that cd decodes what it encodes, and that Append
// appends what Marshal returns.
func roundTrip[T any](t *testing.T, v T) {
	t.Helper()
	cd := cbor.Codec[T]{}
	assert.Equal(t, client.MessageBinary, cd.MessageType(), "message type")
	p, err := cd.Marshal(v)
	require.NoError(t, err, "marshal")
	var got T
	require.NoError(t, cd.Unmarshal(p, &got), "unmarshal %x", p)
	assert.Equal(t, v, got, "decoded value")
	q, err := cd.Append([]byte("prefix"), v)
	require.NoError(t, err, "append")
	assert.Equal(t, append([]byte("prefix"), p...), q, "append after a prefix")
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	t.Run("struct", func(t *testing.T) { roundTrip(t, quote) })
	t.Run("map", func(t *testing.T) { roundTrip(t, map[string][]int{"a": {1, -2, 1 << 40}}) })
	t.Run("bytes", func(t *testing.T) { roundTrip(t, bytes.Repeat([]byte{7}, 70000)) })
	t.Run("zero", func(t *testing.T) { roundTrip(t, Quote{}) })
}

func TestCompact(t *testing.T) {
	t.Parallel()
	j, err := codec.JSON[Quote]{}.Marshal(quote)
	require.NoError(t, err)
	c, err := cbor.Codec[Quote]{}.Marshal(quote)
	require.NoError(t, err)
	assert.Less(t, len(c), len(j), "CBOR %d bytes, JSON %d", len(c), len(j))

	// 12.5 fits a half-precision float: 3 bytes, not 9.
	p, err := cbor.Codec[float64]{}.Marshal(12.5)
	require.NoError(t, err)
	assert.Equal(t, []byte{0xf9, 0x4a, 0x40}, p, "12.5 as the shortest float")
}

func TestTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 23, 14, 30, 1, 123456789, time.UTC)
	p, err := cbor.Codec[time.Time]{}.Marshal(want)
	require.NoError(t, err)
	assert.Equal(t, byte(0xc0), p[0], "tag 0: an RFC 3339 text time")
	var got time.Time
	require.NoError(t, cbor.Codec[time.Time]{}.Unmarshal(p, &got))
	assert.True(t, want.Equal(got), "got %v, want %v (nanoseconds kept)", got, want)
}

// cborArray returns a CBOR array of n zeros.
func cborArray(n int) []byte {
	return append([]byte{0x9a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n)...)
}

func cborNest(n int) []byte { return append(bytes.Repeat([]byte{0x81}, n), 0) }

func decode(l codec.Limits) func([]byte) error {
	return func(p []byte) error {
		var v any
		return cbor.Codec[any]{Limits: l}.Unmarshal(p, &v)
	}
}

func mustCBOR(t *testing.T, v any) []byte {
	p, err := fxcbor.Marshal(v)
	require.NoError(t, err)
	return p
}

func TestLimits(t *testing.T) {
	t.Parallel()
	dup := mustCBOR(t, map[string]int{"a": 1})
	dup = append([]byte{0xa2}, append(dup[1:], dup[1:]...)...) // {"a": 1, "a": 1}
	codectest.CheckLimits(t, []codectest.LimitCase{
		codectest.Case("depth 64", decode(codec.Limits{}), cborNest(64), nil, ""),
		codectest.Case("depth 65", decode(codec.Limits{}), cborNest(65), codec.ErrTooDeep, ""),
		codectest.Case("depth 1e6", decode(codec.Limits{MaxSize: -1}), cborNest(1e6), codec.ErrTooDeep, ""),
		codectest.Case("MaxDepth 4", decode(codec.Limits{MaxDepth: 4}), cborNest(5), codec.ErrTooDeep, ""),
		codectest.Case("65536 elements", decode(codec.Limits{}), cborArray(1<<16), nil, ""),
		codectest.Case("65537 elements", decode(codec.Limits{}), cborArray(1<<16+1), codec.ErrTooMany, ""),
		codectest.Case("MaxElements", decode(codec.Limits{MaxElements: 16}), cborArray(17), codec.ErrTooMany, ""),
		codectest.Case("map pairs", decode(codec.Limits{MaxElements: 16}), mustCBOR(t, map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12, 13: 13, 14: 14, 15: 15, 16: 16, 17: 17}), codec.ErrTooMany, ""),
		codectest.Case("declared length past the end", decode(codec.Limits{}), []byte{0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil, "unexpected EOF"),
		codectest.Case("MaxSize", decode(codec.Limits{MaxSize: 100}), cborArray(100), codec.ErrTooBig, ""),
		codectest.Case("duplicate key", decode(codec.Limits{}), dup, nil, "duplicate map key"),
		codectest.Case("invalid UTF-8", decode(codec.Limits{}), []byte{0x62, 0xff, 0xfe}, nil, "invalid UTF-8"),
		codectest.Case("trailing bytes", decode(codec.Limits{}), []byte{0x01, 0x02}, nil, "extraneous data"),
		codectest.Case("MaxDepth under 4", decode(codec.Limits{MaxDepth: 3}), []byte{0x01}, nil, "MaxNestedLevels"),
		codectest.Case("MaxElements under 16", decode(codec.Limits{MaxElements: 15}), []byte{0x01}, nil, "MaxArrayElements"),
	})
}

func TestMarshalError(t *testing.T) {
	t.Parallel()
	_, err := cbor.Codec[chan int]{}.Marshal(make(chan int))
	require.ErrorContains(t, err, "codec: cbor:")
	_, err = cbor.Codec[chan int]{}.Append(nil, make(chan int))
	require.ErrorContains(t, err, "codec: cbor:")
}

// TestConn sends through a codec.Conn over a Pipe.
func TestConn(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := codec.Pipe()
	defer a.Close()
	require.NoError(t, codec.NewConn(a, cbor.Codec[Quote]{}).Send(ctx, quote))
	got, err := codec.NewConn(b, cbor.Codec[Quote]{}).Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, quote, got)
}

func ExampleCodec() {
	type Reading struct {
		_      struct{} `cbor:",toarray"` // an array, not a map: smaller
		Sensor uint16
		Value  float64
	}
	cd := cbor.Codec[Reading]{}
	p, _ := cd.Marshal(Reading{Sensor: 7, Value: 21.5})
	fmt.Printf("%d bytes: % x\n", len(p), p)

	var r Reading
	_ = cd.Unmarshal(p, &r)
	fmt.Println(r.Sensor, r.Value)
	// Output:
	// 5 bytes: 82 07 f9 4d 60
	// 7 21.5
}

func ExampleFormat() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := codec.Pipe()
	defer a.Close()

	server := codec.NewRouter(b, &codec.RouterOptions{Format: cbor.Format{}})
	codec.HandleCall(server, "double", func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	go server.Run(ctx)

	c := codec.NewRouter(a, &codec.RouterOptions{Format: cbor.Format{}})
	go c.Run(ctx)
	n, err := codec.Call[int, int](ctx, c, "double", 21)
	fmt.Println(n, err)
	// Output: 42 <nil>
}
