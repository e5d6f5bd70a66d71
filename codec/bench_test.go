package codec_test

// Benchmarks of each codec, and of what Conn adds to calling a codec
// directly. docs/benchmarks.md ("codec") records the numbers:
//
//	go test -run '^$' -bench . -benchmem ./codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
)

// BinQuote is Quote with a hand-written binary encoding, for Marshaler.
type BinQuote Quote

func (q *BinQuote) AppendBinary(b []byte) ([]byte, error) {
	b = appendString(b, q.Symbol)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(q.Price))
	b = binary.BigEndian.AppendUint64(b, uint64(q.Volume))
	b = binary.AppendUvarint(b, uint64(len(q.Tags)))
	for _, t := range q.Tags {
		b = appendString(b, t)
	}
	return b, nil
}

func (q *BinQuote) MarshalBinary() ([]byte, error) { return q.AppendBinary(nil) }

func (q *BinQuote) UnmarshalBinary(b []byte) error {
	var err error
	r := reader{b: b}
	q.Symbol = r.string()
	q.Price = math.Float64frombits(r.uint64())
	q.Volume = int64(r.uint64())
	n := r.uvarint()
	if n > uint64(len(r.b)) { // each tag takes a byte at least
		return errors.New("binquote: too many tags")
	}
	q.Tags = nil
	if n > 0 {
		q.Tags = make([]string, n)
	}
	for i := range q.Tags {
		q.Tags[i] = r.string()
	}
	if r.err != nil || len(r.b) != 0 {
		err = errors.New("binquote: malformed")
	}
	return err
}

// Blob is a 64 KiB payload with an id.
type Blob struct {
	ID   int64  `json:"id"`
	Data []byte `json:"data"`
}

func (b *Blob) AppendBinary(p []byte) ([]byte, error) {
	p = binary.BigEndian.AppendUint64(p, uint64(b.ID))
	return append(p, b.Data...), nil
}

func (b *Blob) MarshalBinary() ([]byte, error) { return b.AppendBinary(nil) }

func (b *Blob) UnmarshalBinary(p []byte) error {
	if len(p) < 8 {
		return errors.New("blob: short")
	}
	b.ID = int64(binary.BigEndian.Uint64(p))
	b.Data = append(b.Data[:0], p[8:]...)
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = errors.New("bad uvarint")
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *reader) uint64() uint64 {
	if len(r.b) < 8 {
		r.err = errors.New("short")
		return 0
	}
	n := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return n
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errors.New("short")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

var blob = Blob{ID: 1, Data: bytes.Repeat([]byte("0123456789abcdef"), 4096)} // 64 KiB

// benchCodec benchmarks encoding and decoding v with cd.
func benchCodec[T any](b *testing.B, cd codec.Codec[T], v T) {
	p, err := cd.Marshal(v)
	require.NoError(b, err)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			if _, err := cd.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	if ap, ok := cd.(codec.Appender[T]); ok {
		b.Run("append", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(p)))
			buf := make([]byte, 0, 2*len(p))
			for b.Loop() {
				if _, err := ap.Append(buf[:0], v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			var w T
			if err := cd.Unmarshal(p, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	b.Run("JSON/small", func(b *testing.B) { benchCodec(b, codec.JSON[Quote]{}, quote) })
	b.Run("JSON/64KiB", func(b *testing.B) { benchCodec(b, codec.JSON[Blob]{}, blob) })
	b.Run("CBOR/small", func(b *testing.B) { benchCodec(b, cbor.Codec[Quote]{}, quote) })
	b.Run("CBOR/64KiB", func(b *testing.B) { benchCodec(b, cbor.Codec[Blob]{}, blob) })
	b.Run("Marshaler/small", func(b *testing.B) { benchCodec(b, codec.Marshaler[BinQuote, *BinQuote]{}, BinQuote(quote)) })
	b.Run("Marshaler/64KiB", func(b *testing.B) { benchCodec(b, codec.Marshaler[Blob, *Blob]{}, blob) })
	b.Run("Text/small", func(b *testing.B) { benchCodec(b, codec.Text{}, "ACME 12.5 1200") })
	b.Run("Text/64KiB", func(b *testing.B) { benchCodec(b, codec.Text{}, strings.Repeat("0123456789abcdef", 4096)) })
	b.Run("Bytes/64KiB", func(b *testing.B) { benchCodec(b, codec.Bytes{}, blob.Data) })
}

// loopConn is a MessageConn that reads back the last message written,
// from one buffer, allocating nothing: what remains of a benchmark over it
// is the codec's and the wrapper's cost.
type loopConn struct {
	typ client.MessageType
	buf []byte
}

func (c *loopConn) Write(_ context.Context, typ client.MessageType, p []byte) error {
	c.typ, c.buf = typ, append(c.buf[:0], p...)
	return nil
}

func (c *loopConn) Read(context.Context) (client.MessageType, []byte, error) {
	return c.typ, c.buf, nil
}

// direct sends and receives v by calling the codec and the MessageConn.
func direct[T any](ctx context.Context, mc codec.MessageConn, cd codec.Codec[T], v T) error {
	p, err := cd.Marshal(v)
	if err != nil {
		return err
	}
	if err := mc.Write(ctx, cd.MessageType(), p); err != nil {
		return err
	}
	_, q, err := mc.Read(ctx)
	if err != nil {
		return err
	}
	var w T
	return cd.Unmarshal(q, &w)
}

// wrapped does the same through a Conn.
func wrapped[T any](ctx context.Context, c *codec.Conn[T], v T) error {
	if err := c.Send(ctx, v); err != nil {
		return err
	}
	_, err := c.Receive(ctx)
	return err
}

// benchConn compares a round through a Conn with calling the codec.
func benchConn[T any](b *testing.B, cd codec.Codec[T], v T) {
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		mc := &loopConn{}
		b.ReportAllocs()
		for b.Loop() {
			if err := direct(ctx, mc, cd, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("conn", func(b *testing.B) {
		c := codec.NewConn(&loopConn{}, cd)
		b.ReportAllocs()
		for b.Loop() {
			if err := wrapped(ctx, c, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkConn(b *testing.B) {
	b.Run("JSON/small", func(b *testing.B) { benchConn(b, codec.JSON[Quote]{}, quote) })
	b.Run("JSON/64KiB", func(b *testing.B) { benchConn(b, codec.JSON[Blob]{}, blob) })
	b.Run("CBOR/small", func(b *testing.B) { benchConn(b, cbor.Codec[Quote]{}, quote) })
	b.Run("CBOR/64KiB", func(b *testing.B) { benchConn(b, cbor.Codec[Blob]{}, blob) })
	b.Run("Marshaler/small", func(b *testing.B) { benchConn(b, codec.Marshaler[BinQuote, *BinQuote]{}, BinQuote(quote)) })
	b.Run("Marshaler/64KiB", func(b *testing.B) { benchConn(b, codec.Marshaler[Blob, *Blob]{}, blob) })
	b.Run("Text/small", func(b *testing.B) { benchConn(b, codec.Text{}, "ACME 12.5 1200") })
	b.Run("Bytes/64KiB", func(b *testing.B) { benchConn(b, codec.Bytes{}, blob.Data) })
}

// BenchmarkRouter is a message and a call through two Routers on a Pipe.
func BenchmarkRouter(b *testing.B) {
	for _, ff := range formats {
		b.Run(ff.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			x, y := codec.Pipe()
			defer x.Close()
			caller := codec.NewRouter(x, &codec.RouterOptions{Format: ff.f})
			server := codec.NewRouter(y, &codec.RouterOptions{Format: ff.f})
			codec.HandleCall(server, "quote", func(_ context.Context, q Quote) (Quote, error) { return q, nil })
			done := make(chan struct{}, 2)
			for _, r := range []*codec.Router{caller, server} {
				go func() {
					_ = r.Run(ctx)
					done <- struct{}{}
				}()
			}
			b.Run("call", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := codec.Call[Quote, Quote](ctx, caller, "quote", quote); err != nil {
						b.Fatal(err)
					}
				}
			})
			cancel()
			<-done
			<-done
		})
	}
}

// TestConnAllocs holds the promise that a Conn adds at most one
// allocation per message to calling the codec directly.
func TestConnAllocs(t *testing.T) {
	ctx := context.Background()
	check := func(name string, directAllocs, connAllocs float64) {
		t.Logf("%s: direct %.0f allocs, conn %.0f", name, directAllocs, connAllocs)
		if connAllocs > directAllocs+1 {
			t.Errorf("%s: a Conn round costs %.1f allocations, calling the codec %.1f: over one more", name, connAllocs, directAllocs)
		}
	}
	measure := func(name string, d, w func() error) {
		require.NoError(t, d(), name)
		require.NoError(t, w(), name)
		check(name, testing.AllocsPerRun(100, func() { _ = d() }), testing.AllocsPerRun(100, func() { _ = w() }))
	}
	mc := &loopConn{}
	for _, tt := range []struct {
		name string
		d, w func() error
	}{
		{"JSON", func() error { return direct(ctx, mc, codec.JSON[Quote]{}, quote) }, connRound(ctx, codec.JSON[Quote]{}, quote)},
		{"CBOR", func() error { return direct(ctx, mc, cbor.Codec[Quote]{}, quote) }, connRound(ctx, cbor.Codec[Quote]{}, quote)},
		{"Marshaler", func() error { return direct(ctx, mc, codec.Marshaler[BinQuote, *BinQuote]{}, BinQuote(quote)) }, connRound(ctx, codec.Marshaler[BinQuote, *BinQuote]{}, BinQuote(quote))},
		{"Text", func() error { return direct(ctx, mc, codec.Text{}, "text") }, connRound(ctx, codec.Text{}, "text")},
		{"Bytes", func() error { return direct(ctx, mc, codec.Bytes{}, blob.Data) }, connRound(ctx, codec.Bytes{}, blob.Data)},
	} {
		measure(tt.name, tt.d, tt.w)
	}
}

func connRound[T any](ctx context.Context, cd codec.Codec[T], v T) func() error {
	c := codec.NewConn(&loopConn{}, cd)
	return func() error { return wrapped(ctx, c, v) }
}
