// Command codecrouter is internal/sizeprobe with a codec.Router (JSON
// envelopes): it dials, calls "echo" once through the harness's echo
// (which sends the call back, so the same Router answers it), and closes.
// Comparing its browser build with internal/sizeprobe's gives what
// routing adds to a page (docs/benchmarks.md, "codec").
package main

import (
	"context"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

func main() {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: codecrouter ws://host/echo\n")
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
	r := codec.NewRouter(c, nil)
	codec.HandleCall(r, "echo", func(_ context.Context, q Quote) (Quote, error) { return q, nil })
	go r.Run(ctx)
	q, err := codec.Call[Quote, Quote](ctx, r, "echo", Quote{Symbol: "hello", Price: 1})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(q.Symbol + "\n")
	_ = c.Close(client.StatusNormalClosure, "")
}
