// Command codecbinary is internal/sizeprobe with codec.Marshaler: it dials, sends one
// message through a codec.Conn, receives one, and closes. Comparing its
// browser build with internal/sizeprobe's gives what that codec adds to a
// page (docs/benchmarks.md, "codec").
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
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
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: codecbinary ws://host/echo\n")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, os.Args[1], nil)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	defer c.CloseNow()
	conn := codec.NewConn(c, codec.Marshaler[Quote, *Quote]{})
	if err := conn.Send(ctx, Quote{Symbol: "hello", Price: 1}); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	q, err := conn.Receive(ctx)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(q.Symbol + "\n")
	_ = c.Close(client.StatusNormalClosure, "")
}
