package codec_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/duplex-go/duplex/internal/codectest"
	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Quote is the small struct of the tests and benchmarks.
type Quote = codectest.Quote

var quote = codectest.SampleQuote

// Point encodes itself in 8 bytes, with AppendBinary.
type Point struct{ X, Y int32 }

func (p *Point) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, uint32(p.X))
	return binary.BigEndian.AppendUint32(b, uint32(p.Y)), nil
}

func (p *Point) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

func (p *Point) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return errors.New("point: want 8 bytes")
	}
	p.X = int32(binary.BigEndian.Uint32(b))
	p.Y = int32(binary.BigEndian.Uint32(b[4:]))
	return nil
}

// Label has MarshalBinary but no AppendBinary: a length byte, then text.
type Label struct{ Text string }

func (l *Label) MarshalBinary() ([]byte, error) {
	if len(l.Text) > 255 {
		return nil, errors.New("label: over 255 bytes")
	}
	return append([]byte{byte(len(l.Text))}, l.Text...), nil
}

func (l *Label) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || int(b[0]) != len(b)-1 {
		return errors.New("label: length byte does not match")
	}
	l.Text = string(b[1:])
	return nil
}
