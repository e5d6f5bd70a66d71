package codec_test

// This file and the others without a build tag run natively and in
// headless Chrome.

import (
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/internal/codectest"
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

func TestLimits(t *testing.T) {
	t.Parallel()
	nest := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
	}
	codectest.CheckLimits(t, []codectest.LimitCase{
		codectest.Case("JSON depth 64", decodeJSON(codec.Limits{}), nest("[", "]", 64), nil, ""),
		codectest.Case("JSON depth 65", decodeJSON(codec.Limits{}), nest("[", "]", 65), codec.ErrTooDeep, ""),
		codectest.Case("JSON depth 1e6", decodeJSON(codec.Limits{MaxSize: -1}), nest(`{"a":`, "}", 1e6), codec.ErrTooDeep, ""),
		codectest.Case("JSON unclosed depth 1e6", decodeJSON(codec.Limits{}), []byte(strings.Repeat("[", 1e6)), codec.ErrTooDeep, ""),
		codectest.Case("JSON brackets in strings", decodeJSON(codec.Limits{MaxDepth: 1}), []byte(`["[[[{{", "\"[[", "\\", "]]]"]`), nil, ""),
		codectest.Case("JSON MaxDepth 1", decodeJSON(codec.Limits{MaxDepth: 1}), []byte(`[[]]`), codec.ErrTooDeep, ""),
		codectest.Case("JSON 1 MiB", decodeJSON(codec.Limits{}), jsonString(1<<20), nil, ""),
		codectest.Case("JSON over 1 MiB", decodeJSON(codec.Limits{}), jsonString(1<<20+1), codec.ErrTooBig, ""),
		codectest.Case("JSON MaxSize", decodeJSON(codec.Limits{MaxSize: 10}), jsonString(11), codec.ErrTooBig, ""),
		codectest.Case("JSON no MaxSize", decodeJSON(codec.Limits{MaxSize: -1}), jsonString(3<<20), nil, ""),
		codectest.Case("JSON syntax", decodeJSON(codec.Limits{}), []byte(`[1,`), nil, "unexpected end of JSON input"),
	})
}

func decodeJSON(l codec.Limits) func([]byte) error {
	return func(p []byte) error {
		var v any
		return codec.JSON[any]{Limits: l}.Unmarshal(p, &v)
	}
}

// jsonString returns a JSON string of n bytes, quotes included.
func jsonString(n int) []byte {
	return []byte(`"` + strings.Repeat("a", n-2) + `"`)
}

func mustCBOR(t *testing.T, v any) []byte {
	p, err := fxcbor.Marshal(v)
	require.NoError(t, err)
	return p
}

func TestRawAndMarshalerErrors(t *testing.T) {
	t.Parallel()
	var s string
	require.ErrorIs(t, codec.Text{}.Unmarshal([]byte{'o', 0xff}, &s), client.ErrInvalidUTF8)

	var p Point
	err := codec.Marshaler[Point, *Point]{}.Unmarshal([]byte{1, 2, 3}, &p)
	require.ErrorContains(t, err, "codec: UnmarshalBinary: point: want 8 bytes")
	_, err = codec.Marshaler[Label, *Label]{}.Marshal(Label{Text: strings.Repeat("x", 256)})
	require.ErrorContains(t, err, "label: over 255 bytes")
	_, err = codec.Marshaler[Label, *Label]{}.Append(nil, Label{Text: strings.Repeat("x", 256)})
	require.ErrorContains(t, err, "label: over 255 bytes", "Append without AppendBinary")

	_, err = codec.JSON[func()]{}.Marshal(func() {})
	require.ErrorContains(t, err, "codec: json: json: unsupported type")

	// Bytes copies nothing.
	in := []byte("abc")
	out, err := codec.Bytes{}.Marshal(in)
	require.NoError(t, err)
	assert.Same(t, &in[0], &out[0], "Marshal returns v itself")
}
