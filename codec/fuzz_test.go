package codec

// Fuzz targets for everything that decodes what a peer sends. Each checks
// more than "no panic": what decodes must encode and decode again to the
// same value, and the JSON depth pre-scan must agree with a real parser.
//
//	go test -run '^$' -fuzz FuzzJSON -fuzztime 5m -parallel 1 ./codec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/duplex-go/duplex/client"
)

// fuzzValue has a bit of everything a message holds.
type fuzzValue struct {
	Name  string            `json:"name"`
	N     int64             `json:"n"`
	U     uint16            `json:"u"`
	F     float64           `json:"f"`
	OK    bool              `json:"ok"`
	List  []int             `json:"list"`
	Map   map[string]string `json:"map"`
	Bytes []byte            `json:"bytes"`
	Next  *fuzzValue        `json:"next"`
	Any   any               `json:"any"`
}

var fuzzSeed = fuzzValue{
	Name: "héllo", N: -3, U: 7, F: 1.5, OK: true, List: []int{1, 2},
	Map: map[string]string{"a": "b"}, Bytes: []byte{0, 1},
	Next: &fuzzValue{Name: "inner", Any: []any{"x", 1.0, nil}},
}

func FuzzJSON(f *testing.F) {
	seed, _ := json.Marshal(fuzzSeed)
	for _, s := range []string{string(seed), `[[[[]]]]`, `{"name":"\"[[[\\"}`, `"\\\\\"["`, `{"any":{"a":[{"b":[]}]}}`, `null`, `1e400`} {
		f.Add([]byte(s))
	}
	cd := JSON[fuzzValue]{Limits: Limits{MaxDepth: 8}}
	f.Fuzz(func(t *testing.T, p []byte) {
		// The pre-scan agrees with encoding/json on valid JSON.
		if json.Valid(p) {
			if got, want := jsonDepth(p, 1<<30), tokenDepth(t, p); got != want {
				t.Fatalf("jsonDepth(%q) = %d; want %d", p, got, want)
			}
		}
		var v fuzzValue
		if err := cd.Unmarshal(p, &v); err != nil {
			if errors.Is(err, ErrTooDeep) && jsonDepth(p, 1<<30) <= 8 {
				t.Fatalf("ErrTooDeep for depth %d: %q", jsonDepth(p, 1<<30), p)
			}
			return
		}
		roundTripCheck(t, cd, jsonCanon[fuzzValue], v)
	})
}

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

// roundTripCheck checks that v, decoded by cd, encodes and decodes to
// itself, comparing the two by their encodings in canon: one
// representation for each value (map keys sorted, one NaN).
func roundTripCheck[T any](t *testing.T, cd Codec[T], canon func(T) ([]byte, error), v T) {
	t.Helper()
	p, err := cd.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v, which decoded: %v", v, err)
	}
	var w T
	if err := cd.Unmarshal(p, &w); err != nil {
		t.Fatalf("unmarshal %q, which marshalled: %v", p, err)
	}
	a, errA := canon(v)
	b, errB := canon(w)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("round trip changed the value:\n%#v\n%#v", v, w)
	}
}

// jsonCanon is a canonical JSON: encoding/json sorts map keys.
func jsonCanon[T any](v T) ([]byte, error) { return json.Marshal(v) }

// cborCanon is RFC 8949's core deterministic encoding.
func cborCanon[T any](v T) ([]byte, error) {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return em.Marshal(v)
}

func FuzzCBOR(f *testing.F) {
	em, _ := cborEncMode()
	seed, _ := em.Marshal(fuzzSeed)
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
	cd := CBOR[fuzzValue]{Limits: Limits{MaxDepth: 8, MaxElements: 64}}
	anyCodec := CBOR[any]{Limits: Limits{MaxDepth: 8, MaxElements: 64}}
	f.Fuzz(func(t *testing.T, p []byte) {
		var x any
		_ = anyCodec.Unmarshal(p, &x)
		var v fuzzValue
		if err := cd.Unmarshal(p, &v); err != nil {
			return
		}
		roundTripCheck(t, cd, cborCanon[fuzzValue], v)
	})
}

// fuzzLabel is a hand-written binary format: a length byte, then text.
type fuzzLabel struct{ Text string }

func (l *fuzzLabel) MarshalBinary() ([]byte, error) {
	if len(l.Text) > 255 {
		return nil, errors.New("over 255 bytes")
	}
	return append([]byte{byte(len(l.Text))}, l.Text...), nil
}

func (l *fuzzLabel) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || int(b[0]) != len(b)-1 {
		return errors.New("length byte does not match")
	}
	l.Text = string(b[1:])
	return nil
}

func FuzzMarshaler(f *testing.F) {
	f.Add([]byte("\x05hello"))
	f.Add([]byte{})
	cd := Marshaler[fuzzLabel, *fuzzLabel]{}
	f.Fuzz(func(t *testing.T, p []byte) {
		var v fuzzLabel
		if err := cd.Unmarshal(p, &v); err != nil {
			return
		}
		roundTripCheck(t, cd, cd.Marshal, v)
		q, err := cd.Append(nil, v)
		if err != nil || !bytes.Equal(p, q) {
			t.Fatalf("Append = %q, %v; want %q", q, err, p)
		}
	})
}

func FuzzRaw(f *testing.F) {
	f.Add([]byte("héllo"))
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		var s string
		err := Text{}.Unmarshal(p, &s)
		if (err == nil) != utf8.Valid(p) {
			t.Fatalf("Text.Unmarshal(%q) = %v", p, err)
		}
		if err == nil {
			roundTripCheck(t, Text{}, Text{}.Marshal, s)
		}
		var b []byte
		if err := (Bytes{}).Unmarshal(p, &b); err != nil || !bytes.Equal(b, p) {
			t.Fatalf("Bytes.Unmarshal(%q) = %q, %v", p, b, err)
		}
	})
}

// recordConn is a MessageConn that keeps what is written and has nothing
// to read.
type recordConn struct {
	mu      sync.Mutex
	written [][]byte
}

func (c *recordConn) Read(ctx context.Context) (client.MessageType, []byte, error) {
	<-ctx.Done()
	return 0, nil, ctx.Err()
}

func (c *recordConn) Write(_ context.Context, _ client.MessageType, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written = append(c.written, bytes.Clone(p))
	return nil
}

// fuzzRouter runs each message through a Router's dispatch, with
// handlers for "chat" and "add" and a pending call 1. It checks that the
// envelope re-encodes to the same fields, that an error is a
// *DecodeError or a handler's error, and that every reply the Router
// writes is an envelope of its own format.
func fuzzRouter(f *testing.F, format Format, seeds [][]byte, reencode func(e envelope) any) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		lim := Limits{MaxDepth: 8, MaxElements: 64}.resolve()
		e, err := format.parseEnvelope(p, lim)
		if err == nil {
			q, err := format.appendEnvelope(nil, &envelope{Kind: e.Kind, ID: e.ID, Err: e.Err}, reencode(e))
			if err != nil {
				t.Fatalf("re-encode %+v: %v", e, err)
			}
			e2, err := format.parseEnvelope(q, lim)
			if err != nil {
				t.Fatalf("parse %q, which re-encoded %q: %v", q, p, err)
			}
			if e.Kind != e2.Kind || e.ID != e2.ID || !reflect.DeepEqual(e.Err, e2.Err) || (e.Data == nil) != (e2.Data == nil) {
				t.Fatalf("re-encoded envelope differs:\n%+v\n%+v", e, e2)
			}
		}

		mc := &recordConn{}
		r := NewRouter(mc, &RouterOptions{Format: format, Limits: Limits{MaxDepth: 8, MaxElements: 64}})
		Handle(r, "chat", func(_ context.Context, v fuzzValue) error {
			if v.Name == "fail" {
				return errors.New("failed")
			}
			return nil
		})
		HandleCall(r, "add", func(_ context.Context, v []int) (int, error) { return len(v), nil })
		id, c, _ := r.begin(callOptions{})
		err = r.dispatch(context.Background(), format.MessageType(), p)
		var de *DecodeError
		if err != nil && !errors.As(err, &de) && !strings.Contains(err.Error(), "failed") {
			t.Fatalf("dispatch(%q) = %v: neither a *DecodeError nor the handler's", p, err)
		}
		if de != nil && !bytes.Equal(de.Data, p) {
			t.Fatalf("DecodeError.Data = %q; want the message %q", de.Data, p)
		}
		select {
		case res := <-c.done:
			if id != 1 || res.err == nil && !bytes.Equal(res.msg, p) {
				t.Fatalf("call %d got %+v from %q", id, res, p)
			}
		default:
		}
		for _, w := range mc.written {
			if _, err := format.parseEnvelope(w, lim); err != nil {
				t.Fatalf("the reply %q to %q does not parse: %v", w, p, err)
			}
		}
	})
}

func FuzzJSONEnvelope(f *testing.F) {
	seeds := [][]byte{
		[]byte(`{"type":"chat","data":{"name":"hi","next":{"any":[1,{"a":null}]}}}`),
		[]byte(`{"type":"add","id":7,"data":[1,2,3]}`),
		[]byte(`{"id":1,"data":{"sum":3}}`),
		[]byte(`{"id":1,"error":{"code":"x","message":"no"}}`),
		[]byte(`{"type":"nope","id":2}`),
		[]byte(`{"type":"chat","data":{"name":"fail"}}`),
		[]byte(`{"type":"add","id":3,"data":"not a list"}`),
		[]byte(`{"TYPE":"chat","Id":1e2}`),
	}
	fuzzRouter(f, JSONFormat{}, seeds, func(e envelope) any {
		if e.Data == nil {
			return nil
		}
		return json.RawMessage(e.Data)
	})
}

func FuzzCBOREnvelope(f *testing.F) {
	em, _ := cborEncMode()
	var seeds [][]byte
	for _, v := range []map[string]any{
		{"type": "chat", "data": fuzzSeed},
		{"type": "add", "id": 7, "data": []int{1, 2, 3}},
		{"id": 1, "data": map[string]int{"sum": 3}},
		{"id": 1, "error": map[string]string{"code": "x", "message": "no"}},
		{"type": "nope", "id": 2},
		{"type": "chat", "data": map[string]string{"name": "fail"}},
		{"type": "add", "id": 3, "data": "not a list"},
	} {
		p, _ := em.Marshal(v)
		seeds = append(seeds, p)
	}
	fuzzRouter(f, CBORFormat{}, seeds, func(e envelope) any {
		if e.Data == nil {
			return nil
		}
		return cbor.RawMessage(e.Data)
	})
}
