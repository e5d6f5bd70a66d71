// Package codectest holds what the tests of package codec and package
// codec/cbor share: test values, a round-trip check, a table of decoder
// limits, and a fuzz body for a Router's envelope format.
//
//	func FuzzEnvelope(f *testing.F) {
//		codectest.FuzzRouter(f, cbor.Format{}, seeds, func(e codec.Envelope) any { ... })
//	}
package codectest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

// Value has a bit of everything a message holds.
type Value struct {
	Name  string            `json:"name"`
	N     int64             `json:"n"`
	U     uint16            `json:"u"`
	F     float64           `json:"f"`
	OK    bool              `json:"ok"`
	List  []int             `json:"list"`
	Map   map[string]string `json:"map"`
	Bytes []byte            `json:"bytes"`
	Next  *Value            `json:"next"`
	Any   any               `json:"any"`
}

// Seed is a Value with every field set, for seed corpora.
var Seed = Value{
	Name: "héllo", N: -3, U: 7, F: 1.5, OK: true, List: []int{1, 2},
	Map: map[string]string{"a": "b"}, Bytes: []byte{0, 1},
	Next: &Value{Name: "inner", Any: []any{"x", 1.0, nil}},
}

// RoundTrip checks that v, which cd decoded, encodes and decodes to
// itself, comparing the two by their encodings in canon: one
// representation per value (map keys sorted, one NaN).
func RoundTrip[T any](t *testing.T, cd codec.Codec[T], canon func(T) ([]byte, error), v T) {
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

// Limits are the small limits the fuzz targets decode under.
var Limits = codec.Limits{MaxDepth: 8, MaxElements: 64}

// FuzzRouter fuzzes format's envelope and a Router's dispatch with
// seeds. For each input it checks that an envelope that parses re-encodes
// (with reencode's data, nil for none) to the same fields, then hands the
// input to a Router, as it waits for the reply to call 1, with handlers for
// "chat" (a Value; fails for Name "fail") and "add" (a []int). Every error
// must be a *codec.DecodeError carrying the input, or the chat handler's;
// every reply the Router writes must parse.
func FuzzRouter(f *testing.F, format codec.Format, seeds [][]byte, reencode func(codec.Envelope) any) {
	for _, s := range seeds {
		f.Add(s)
	}
	lim := Limits.WithDefaults()
	f.Fuzz(func(t *testing.T, p []byte) {
		if e, err := format.ParseEnvelope(p, lim); err == nil {
			q, err := format.AppendEnvelope(nil, &codec.Envelope{Kind: e.Kind, ID: e.ID, Err: e.Err}, reencode(e))
			if err != nil {
				// Only data that does not decode may fail to re-encode:
				// an envelope keeps its data as the peer sent it.
				var v any
				if format.UnmarshalData(e.Data, &v, lim) == nil {
					t.Fatalf("re-encode %+v: %v", e, err)
				}
				dispatch(t, format, p)
				return
			}
			e2, err := format.ParseEnvelope(q, lim)
			if err != nil {
				t.Fatalf("parse %q, which re-encoded %q: %v", q, p, err)
			}
			if e.Kind != e2.Kind || e.ID != e2.ID || !reflect.DeepEqual(e.Err, e2.Err) || (e.Data == nil) != (e2.Data == nil) {
				t.Fatalf("re-encoded envelope differs:\n%+v\n%+v", e, e2)
			}
		}
		dispatch(t, format, p)
	})
}

// dispatch hands p to a Router while call 1 waits for its reply.
func dispatch(t *testing.T, format codec.Format, p []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mc := &oneMessage{typ: format.MessageType(), p: p, wrote: make(chan struct{})}
	var errs []error
	r := codec.NewRouter(mc, &codec.RouterOptions{
		Format:  format,
		Limits:  Limits,
		OnError: func(_ context.Context, err error) { errs = append(errs, err) },
	})
	codec.Handle(r, "chat", func(_ context.Context, v Value) error {
		if v.Name == "fail" {
			return errors.New("chat failed")
		}
		return nil
	})
	codec.HandleCall(r, "add", func(_ context.Context, v []int) (int, error) { return len(v), nil })
	called := make(chan error, 1)
	go func() {
		_, err := codec.Call[[]int, int](ctx, r, "add", []int{1})
		called <- err
	}()
	if err := r.Run(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("Run = %v; want the Read error", err)
	}
	callErr := <-called

	for _, err := range append(errs, callErr) {
		if err == nil || errors.Is(err, codec.ErrConnLost) || errors.As(err, new(*codec.RemoteError)) {
			continue
		}
		de, ok := errors.AsType[*codec.DecodeError](err)
		switch {
		case ok && !bytes.Equal(de.Data, p):
			t.Fatalf("DecodeError.Data = %q; want the message %q", de.Data, p)
		case !ok && err.Error() != `codec: handler of "chat": chat failed`:
			t.Fatalf("%q gave %v: neither a *DecodeError nor the handler's error", p, err)
		}
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	for _, w := range mc.written[1:] {
		if _, err := format.ParseEnvelope(w, Limits.WithDefaults()); err != nil {
			t.Fatalf("the reply %q to %q does not parse: %v", w, p, err)
		}
	}
}

// oneMessage is a MessageConn whose first Read waits for a Write, then
// returns its message; the next Read fails with io.EOF.
type oneMessage struct {
	typ   client.MessageType
	p     []byte
	wrote chan struct{}

	mu      sync.Mutex
	reads   int
	written [][]byte
}

func (c *oneMessage) Read(ctx context.Context) (client.MessageType, []byte, error) {
	c.mu.Lock()
	c.reads++
	n := c.reads
	c.mu.Unlock()
	if n > 1 {
		return 0, nil, fmt.Errorf("codectest: %w", io.EOF)
	}
	select {
	case <-c.wrote:
		return c.typ, c.p, nil
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
}

func (c *oneMessage) Write(_ context.Context, _ client.MessageType, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written = append(c.written, bytes.Clone(p))
	if len(c.written) == 1 {
		close(c.wrote)
	}
	return nil
}

// LimitCase is one input to a decoder under test, and what it must say.
type LimitCase struct {
	Name   string
	Decode func([]byte) error
	In     []byte
	// Want is the sentinel the error must have in its chain; if nil,
	// Text is what the error must contain; if both are zero, In decodes.
	Want error
	Text string
}

// Case returns a LimitCase.
func Case(name string, decode func([]byte) error, in []byte, want error, text string) LimitCase {
	return LimitCase{Name: name, Decode: decode, In: in, Want: want, Text: text}
}

// CheckLimits runs each case as a parallel subtest.
func CheckLimits(t *testing.T, cases []LimitCase) {
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			err := tt.Decode(tt.In)
			switch {
			case tt.Want != nil:
				require.ErrorIs(t, err, tt.Want)
			case tt.Text != "":
				require.ErrorContains(t, err, tt.Text)
			default:
				require.NoError(t, err)
			}
		})
	}
}

// Quote is the small struct of the tests and benchmarks.
type Quote struct {
	Symbol string   `json:"symbol"`
	Price  float64  `json:"price"`
	Volume int64    `json:"volume"`
	Tags   []string `json:"tags,omitempty"`
}

// SampleQuote is a Quote with every field set.
var SampleQuote = Quote{Symbol: "ACME", Price: 12.5, Volume: 1200, Tags: []string{"nyse", "tech"}}
