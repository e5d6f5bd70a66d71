// Command codecrouter is internal/sizeprobe with a codec.Router (JSON
// envelopes): it dials, makes one call through the harness's echo (which
// sends the call back, so the same Router answers it), and closes.
// Comparing its browser build with internal/sizeprobe's gives what routing
// adds to a page (`make size-codec`, docs/benchmarks.md).
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
		r := codec.NewRouter(c, nil)
		codec.HandleCall(r, "echo", func(_ context.Context, q Quote) (Quote, error) { return q, nil })
		go r.Run(ctx)
		q, err := codec.Call[Quote, Quote](ctx, r, "echo", Quote{Symbol: "hello", Price: 1})
		return q.Symbol, err
	})
}
