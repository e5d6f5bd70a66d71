// Command reconnectrouter is internal/sizeprobe/reconnect with a
// codec.Router (JSON envelopes): it dials with reconnect, makes one call
// through the harness's echo (which sends the call back, so the same
// Router answers it), and closes: the stack of a page that reconnects and
// routes several kinds of message, for the README's size table (`make
// size-table`).
package main

import (
	"context"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/reconnect"
)

type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := reconnect.Dial(ctx, "/echo", nil)
	if err != nil {
		println(err.Error())
		return
	}
	defer c.CloseNow()
	r := codec.NewRouter(c, nil)
	codec.HandleCall(r, "echo", func(_ context.Context, q Quote) (Quote, error) { return q, nil })
	go r.Run(ctx)
	q, err := codec.Call[Quote, Quote](ctx, r, "echo", Quote{Symbol: "hello", Price: 1})
	if err != nil {
		println(err.Error())
		return
	}
	println(q.Symbol)
	_ = c.Close(client.StatusNormalClosure, "")
}
