// Command sizeprobe is the smallest useful program on package client: it
// dials, echoes one message and closes. `make size` builds it for the
// browser and checks what a page would download against the budget.
package main

import (
	"context"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
)

func main() {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: sizeprobe ws://host/echo\n")
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
	if err := c.Write(ctx, client.MessageText, []byte("hello")); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	_, p, err := c.Read(ctx)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.Write(append(p, '\n'))
	_ = c.Close(client.StatusNormalClosure, "")
}
