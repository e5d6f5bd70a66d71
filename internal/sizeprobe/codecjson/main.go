// Command codecjson is internal/sizeprobe with codec.JSON: it dials,
// sends one message through a codec.Conn, receives one, and closes.
// Comparing its browser build with internal/sizeprobe's gives what the
// codec adds to a page (`make size-codec`, docs/benchmarks.md).
package main

import (
	"context"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/internal/sizeprobe/probe"
)

type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

func main() {
	probe.Main(func(ctx context.Context, c *client.Conn) (string, error) {
		conn := codec.NewConn(c, codec.JSON[Quote]{})
		if err := conn.Send(ctx, Quote{Symbol: "hello", Price: 1}); err != nil {
			return "", err
		}
		q, err := conn.Receive(ctx)
		return q.Symbol, err
	})
}
