// Command sizeprobe is the smallest useful program on package client: it
// dials, echoes one message and closes, and imports nothing else but
// context and time, which client's API needs. `make size` builds it for
// the browser and checks what a page would download against the budget.
package main

import (
	"context"
	"time"

	"github.com/duplex-go/duplex/client"
)

// url is where it dials: the page's own origin, at /echo.
const url = "/echo"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, nil)
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
