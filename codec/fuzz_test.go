package codec_test

// Fuzz targets for everything package codec decodes from a peer (the CBOR
// ones are in package codec/cbor). Each checks more than "no panic": what
// decodes must encode and decode again to the same value, the JSON depth
// pre-scan must agree with encoding/json, and a Router's errors and
// replies must be what it documents.
//
//	go test -run '^$' -fuzz '^FuzzJSON$' -fuzztime 5m -parallel 1 ./codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/internal/codectest"
)

func FuzzJSON(f *testing.F) {
	seed, _ := json.Marshal(codectest.Seed)
	for _, s := range []string{string(seed), `[[[[]]]]`, `{"name":"\"[[[\\"}`, `"\\\\\"["`, `{"any":{"a":[{"b":[]}]}}`, `null`, `1e400`} {
		f.Add([]byte(s))
	}
	cd := codec.JSON[codectest.Value]{Limits: codectest.Limits}
	maxDepth := codectest.Limits.MaxDepth
	f.Fuzz(func(t *testing.T, p []byte) {
		depth := codec.JSONDepth(p, 1<<30)
		// The pre-scan agrees with encoding/json on valid JSON.
		if json.Valid(p) {
			if want := tokenDepth(t, p); depth != want {
				t.Fatalf("jsonDepth(%q) = %d; want %d", p, depth, want)
			}
		}
		var v codectest.Value
		if err := cd.Unmarshal(p, &v); err != nil {
			if errors.Is(err, codec.ErrTooDeep) != (depth > maxDepth) {
				t.Fatalf("Unmarshal(%q) = %v, for depth %d", p, err, depth)
			}
			return
		}
		codectest.RoundTrip(t, cd, jsonCanon, v)
	})
}

// jsonCanon is canonical JSON: encoding/json sorts map keys.
func jsonCanon(v codectest.Value) ([]byte, error) { return json.Marshal(v) }

// tokenDepth is the nesting depth of valid JSON p, by encoding/json.
func tokenDepth(t *testing.T, p []byte) int {
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	depth, deepest := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return deepest
		}
		if err != nil {
			t.Fatalf("Token on valid JSON %q: %v", p, err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

func FuzzMarshaler(f *testing.F) {
	f.Add([]byte("\x05hello"))
	f.Add([]byte{})
	cd := codec.Marshaler[Label, *Label]{}
	f.Fuzz(func(t *testing.T, p []byte) {
		var v Label
		if err := cd.Unmarshal(p, &v); err != nil {
			return
		}
		codectest.RoundTrip(t, cd, cd.Marshal, v)
		if q, err := cd.Append(nil, v); err != nil || !bytes.Equal(p, q) {
			t.Fatalf("Append = %q, %v; want %q", q, err, p)
		}
	})
}

func FuzzRaw(f *testing.F) {
	f.Add([]byte("héllo"))
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		var s string
		err := codec.Text{}.Unmarshal(p, &s)
		if (err == nil) != utf8.Valid(p) {
			t.Fatalf("Text.Unmarshal(%q) = %v", p, err)
		}
		if err == nil {
			codectest.RoundTrip(t, codec.Text{}, codec.Text{}.Marshal, s)
		}
		var b []byte
		if err := (codec.Bytes{}).Unmarshal(p, &b); err != nil || !bytes.Equal(b, p) {
			t.Fatalf("Bytes.Unmarshal(%q) = %q, %v", p, b, err)
		}
	})
}

func FuzzJSONEnvelope(f *testing.F) {
	seeds := [][]byte{
		[]byte(`{"type":"chat","data":{"name":"hi","next":{"any":[1,{"a":null}]}}}`),
		[]byte(`{"type":"add","id":7,"data":[1,2,3]}`),
		[]byte(`{"id":1,"data":3}`),
		[]byte(`{"id":1,"error":{"code":"x","message":"no"}}`),
		[]byte(`{"type":"nope","id":2}`),
		[]byte(`{"type":"chat","data":{"name":"fail"}}`),
		[]byte(`{"type":"add","id":3,"data":"not a list"}`),
		[]byte(`{"TYPE":"chat","Id":1e2}`),
	}
	codectest.FuzzRouter(f, codec.JSONFormat{}, seeds, func(e codec.Envelope) any {
		if e.Data == nil {
			return nil
		}
		return json.RawMessage(e.Data)
	})
}
