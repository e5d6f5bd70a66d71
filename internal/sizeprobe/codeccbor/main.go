// Command codeccbor is internal/sizeprobe with cbor.Codec (package codec/cbor): it dials, sends one
// message through a codec.Conn, receives one, and closes. Comparing its
// browser build with internal/sizeprobe's gives what that codec adds to a
// page (docs/benchmarks.md, "codec").
package main

import (
	"context"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
)

type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

func main() {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: codeccbor ws://host/echo\n")
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
	conn := codec.NewConn(c, cbor.Codec[Quote]{})
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
