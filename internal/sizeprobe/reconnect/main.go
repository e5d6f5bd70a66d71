// Command reconnect is internal/sizeprobe on a reconnect.Conn: it dials,
// echoes one message and closes, as that program does on a client.Conn.
// Comparing its browser build with internal/sizeprobe's gives what
// package reconnect adds to a page (`make size-reconnect`,
// docs/benchmarks.md).
package main

import (
	"context"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/reconnect"
)

// url is where it dials: the page's own origin, at /echo.
const url = "/echo"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := reconnect.Dial(ctx, url, nil)
	if err != nil {
		println(err.Error())
		return
	}
	defer c.CloseNow()
	if err := c.Write(ctx, client.MessageText, []byte("hello")); err != nil {
		println(err.Error())
		return
	}
	_, p, err := c.Read(ctx)
	if err != nil {
		println(err.Error())
		return
	}
	println(string(p))
	_ = c.Close(client.StatusNormalClosure, "")
}
