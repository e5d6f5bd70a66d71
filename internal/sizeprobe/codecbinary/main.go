// Command codecbinary is internal/sizeprobe with codec.Marshaler: it
// dials, sends one message through a codec.Conn, receives one, and
// closes. Comparing its browser build with internal/sizeprobe's gives what
// the codec adds to a page (`make size-codec`, docs/benchmarks.md).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"math"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/internal/sizeprobe/probe"
)

type Quote struct {
	Symbol string
	Price  float64
}

func (q *Quote) MarshalBinary() ([]byte, error) {
	p := binary.BigEndian.AppendUint64(nil, math.Float64bits(q.Price))
	return append(p, q.Symbol...), nil
}

func (q *Quote) UnmarshalBinary(p []byte) error {
	if len(p) < 8 {
		return errors.New("quote: short")
	}
	q.Price = math.Float64frombits(binary.BigEndian.Uint64(p))
	q.Symbol = string(p[8:])
	return nil
}

func main() {
	probe.Main(func(ctx context.Context, c *client.Conn) (string, error) {
		conn := codec.NewConn(c, codec.Marshaler[Quote, *Quote]{})
		if err := conn.Send(ctx, Quote{Symbol: "hello", Price: 1}); err != nil {
			return "", err
		}
		q, err := conn.Receive(ctx)
		return q.Symbol, err
	})
}
