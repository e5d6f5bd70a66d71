// Command reconnectjson is internal/sizeprobe/reconnect with codec.JSON:
// it dials with reconnect, sends one message through a codec.Conn,
// receives one, and closes: the stack of a page that reconnects and
// speaks JSON, for the README's size table (`make size-table`).
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
	conn := codec.NewConn(c, codec.JSON[Quote]{})
	if err := conn.Send(ctx, Quote{Symbol: "hello", Price: 1}); err != nil {
		println(err.Error())
		return
	}
	q, err := conn.Receive(ctx)
	if err != nil {
		println(err.Error())
		return
	}
	println(q.Symbol)
	_ = c.Close(client.StatusNormalClosure, "")
}
