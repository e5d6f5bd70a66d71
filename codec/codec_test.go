package codec_test

// This file and the others without a build tag run natively and in
// headless Chrome.

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

// roundTrip checks that cd decodes what it encodes, and that Append
// (where cd has it) appends what Marshal returns.
func roundTrip[T any](t *testing.T, cd codec.Codec[T], want client.MessageType, v T) {
	t.Helper()
	assert.Equal(t, want, cd.MessageType(), "message type")
	p, err := cd.Marshal(v)
	require.NoError(t, err, "marshal")
	var got T
	require.NoError(t, cd.Unmarshal(p, &got), "unmarshal %q", p)
	assert.Equal(t, v, got, "decoded value")
	if ap, ok := cd.(codec.Appender[T]); ok {
		q, err := ap.Append([]byte("prefix"), v)
		require.NoError(t, err, "append")
		assert.Equal(t, append([]byte("prefix"), p...), q, "append after a prefix")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"JSON struct", func(t *testing.T) { roundTrip(t, codec.JSON[Quote]{}, client.MessageText, quote) }},
		{"JSON any", func(t *testing.T) {
			roundTrip(t, codec.JSON[any]{}, client.MessageText, any(map[string]any{"a": []any{1.5, "x", nil, true}}))
		}},
		{"CBOR struct", func(t *testing.T) { roundTrip(t, codec.CBOR[Quote]{}, client.MessageBinary, quote) }},
		{"CBOR map", func(t *testing.T) {
			roundTrip(t, codec.CBOR[map[string][]int]{}, client.MessageBinary, map[string][]int{"a": {1, -2, 1 << 40}})
		}},
		{"CBOR bytes", func(t *testing.T) {
			roundTrip(t, codec.CBOR[[]byte]{}, client.MessageBinary, bytes.Repeat([]byte{7}, 70000))
		}},
		{"Marshaler with AppendBinary", func(t *testing.T) {
			roundTrip(t, codec.Marshaler[Point, *Point]{}, client.MessageBinary, Point{X: -3, Y: 1 << 30})
		}},
		{"Marshaler without AppendBinary", func(t *testing.T) {
			roundTrip(t, codec.Marshaler[Label, *Label]{}, client.MessageBinary, Label{Text: "héllo"})
		}},
		{"Text", func(t *testing.T) { roundTrip(t, codec.Text{}, client.MessageText, "héllo ✓") }},
		{"Bytes", func(t *testing.T) { roundTrip(t, codec.Bytes{}, client.MessageBinary, []byte{0, 1, 0xff}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t)
		})
	}
}

func TestCBORIsCompact(t *testing.T) {
	t.Parallel()
	j, err := codec.JSON[Quote]{}.Marshal(quote)
	require.NoError(t, err)
	c, err := codec.CBOR[Quote]{}.Marshal(quote)
	require.NoError(t, err)
	assert.Less(t, len(c), len(j), "CBOR %d bytes, JSON %d", len(c), len(j))

	// Price 12.5 fits a half-precision float: 3 bytes, not 9.
	p, err := codec.CBOR[float64]{}.Marshal(12.5)
	require.NoError(t, err)
	assert.Equal(t, []byte{0xf9, 0x4a, 0x40}, p, "12.5 as the shortest float")
}

func TestCBORTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 23, 14, 30, 1, 123456789, time.UTC)
	p, err := codec.CBOR[time.Time]{}.Marshal(want)
	require.NoError(t, err)
	assert.Equal(t, byte(0xc0), p[0], "tag 0: an RFC 3339 text time")
	var got time.Time
	require.NoError(t, codec.CBOR[time.Time]{}.Unmarshal(p, &got))
	assert.True(t, want.Equal(got), "got %v, want %v (nanoseconds kept)", got, want)
}

// cborArray returns a CBOR array of n zeros.
func cborArray(n int) []byte {
	return append([]byte{0x9a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n)...)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	nest := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
	}
	cborNest := func(n int) []byte { return append(bytes.Repeat([]byte{0x81}, n), 0) }
	dup, err := cbor.Marshal(map[string]int{"a": 1})
	require.NoError(t, err)
	dup = append([]byte{0xa2}, append(dup[1:], dup[1:]...)...) // {"a": 1, "a": 1}

	for _, tt := range []struct {
		name    string
		decode  func([]byte) error
		in      []byte
		wantErr error // nil: decodes
		errText string
	}{
		{"JSON depth 64", decodeJSON(codec.Limits{}), nest("[", "]", 64), nil, ""},
		{"JSON depth 65", decodeJSON(codec.Limits{}), nest("[", "]", 65), codec.ErrTooDeep, ""},
		{"JSON depth 1e6", decodeJSON(codec.Limits{MaxSize: -1}), nest(`{"a":`, "}", 1e6), codec.ErrTooDeep, ""},
		{"JSON unclosed depth 1e6", decodeJSON(codec.Limits{}), []byte(strings.Repeat("[", 1e6)), codec.ErrTooDeep, ""},
		{"JSON brackets in strings", decodeJSON(codec.Limits{MaxDepth: 1}), []byte(`["[[[{{", "\"[[", "\\", "]]]"]`), nil, ""},
		{"JSON MaxDepth 1", decodeJSON(codec.Limits{MaxDepth: 1}), []byte(`[[]]`), codec.ErrTooDeep, ""},
		{"JSON 1 MiB", decodeJSON(codec.Limits{}), jsonString(1 << 20), nil, ""},
		{"JSON over 1 MiB", decodeJSON(codec.Limits{}), jsonString(1<<20 + 1), codec.ErrTooBig, ""},
		{"JSON MaxSize", decodeJSON(codec.Limits{MaxSize: 10}), jsonString(11), codec.ErrTooBig, ""},
		{"JSON no MaxSize", decodeJSON(codec.Limits{MaxSize: -1}), jsonString(3 << 20), nil, ""},
		{"JSON syntax", decodeJSON(codec.Limits{}), []byte(`[1,`), nil, "unexpected end of JSON input"},
		{"CBOR depth 64", decodeCBOR(codec.Limits{}), cborNest(64), nil, ""},
		{"CBOR depth 65", decodeCBOR(codec.Limits{}), cborNest(65), codec.ErrTooDeep, ""},
		{"CBOR depth 1e6", decodeCBOR(codec.Limits{MaxSize: -1}), cborNest(1e6), codec.ErrTooDeep, ""},
		{"CBOR MaxDepth 4", decodeCBOR(codec.Limits{MaxDepth: 4}), cborNest(5), codec.ErrTooDeep, ""},
		{"CBOR 65536 elements", decodeCBOR(codec.Limits{}), cborArray(1 << 16), nil, ""},
		{"CBOR 65537 elements", decodeCBOR(codec.Limits{}), cborArray(1<<16 + 1), codec.ErrTooMany, ""},
		{"CBOR MaxElements", decodeCBOR(codec.Limits{MaxElements: 16}), cborArray(17), codec.ErrTooMany, ""},
		{"CBOR map pairs", decodeCBOR(codec.Limits{MaxElements: 16}), mustCBOR(t, map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12, 13: 13, 14: 14, 15: 15, 16: 16, 17: 17}), codec.ErrTooMany, ""},
		{"CBOR declared length past the end", decodeCBOR(codec.Limits{}), []byte{0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil, "unexpected EOF"},
		{"CBOR MaxSize", decodeCBOR(codec.Limits{MaxSize: 100}), cborArray(100), codec.ErrTooBig, ""},
		{"CBOR duplicate key", decodeCBOR(codec.Limits{}), dup, nil, "duplicate map key"},
		{"CBOR invalid UTF-8", decodeCBOR(codec.Limits{}), []byte{0x62, 0xff, 0xfe}, nil, "invalid UTF-8"},
		{"CBOR trailing bytes", decodeCBOR(codec.Limits{}), []byte{0x01, 0x02}, nil, "extraneous data"},
		{"CBOR MaxDepth under 4", decodeCBOR(codec.Limits{MaxDepth: 3}), []byte{0x01}, nil, "MaxNestedLevels"},
		{"CBOR MaxElements under 16", decodeCBOR(codec.Limits{MaxElements: 15}), []byte{0x01}, nil, "MaxArrayElements"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			err := tt.decode(tt.in)
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			case tt.errText != "":
				require.ErrorContains(t, err, tt.errText)
			default:
				require.NoError(t, err)
			}
			// A refusal is cheap: no parse of a million levels.
			if tt.wantErr != nil {
				assert.Less(t, time.Since(start), 2*time.Second, "time to refuse")
			}
		})
	}
}

func decodeJSON(l codec.Limits) func([]byte) error {
	return func(p []byte) error {
		var v any
		return codec.JSON[any]{Limits: l}.Unmarshal(p, &v)
	}
}

func decodeCBOR(l codec.Limits) func([]byte) error {
	return func(p []byte) error {
		var v any
		return codec.CBOR[any]{Limits: l}.Unmarshal(p, &v)
	}
}

// jsonString returns a JSON string of n bytes, quotes included.
func jsonString(n int) []byte {
	return []byte(`"` + strings.Repeat("a", n-2) + `"`)
}

func mustCBOR(t *testing.T, v any) []byte {
	p, err := cbor.Marshal(v)
	require.NoError(t, err)
	return p
}

func TestRawAndMarshalerErrors(t *testing.T) {
	t.Parallel()
	var s string
	require.ErrorIs(t, codec.Text{}.Unmarshal([]byte{'o', 0xff}, &s), client.ErrInvalidUTF8)

	var p Point
	err := codec.Marshaler[Point, *Point]{}.Unmarshal([]byte{1, 2, 3}, &p)
	require.ErrorContains(t, err, "codec_test.Point: point: want 8 bytes")
	_, err = codec.Marshaler[Label, *Label]{}.Marshal(Label{Text: strings.Repeat("x", 256)})
	require.ErrorContains(t, err, "label: over 255 bytes")
	_, err = codec.Marshaler[Label, *Label]{}.Append(nil, Label{Text: strings.Repeat("x", 256)})
	require.ErrorContains(t, err, "label: over 255 bytes", "Append without AppendBinary")

	_, err = codec.JSON[func()]{}.Marshal(func() {})
	require.ErrorContains(t, err, "codec: json: json: unsupported type")
	_, err = codec.CBOR[chan int]{}.Marshal(make(chan int))
	require.ErrorContains(t, err, "codec: cbor:")

	// Bytes copies nothing.
	in := []byte("abc")
	out, err := codec.Bytes{}.Marshal(in)
	require.NoError(t, err)
	assert.Same(t, &in[0], &out[0], "Marshal returns v itself")
}
