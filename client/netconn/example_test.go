package netconn_test

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/client/netconn"
)

// A line protocol over a WebSocket, as it would run over TCP: any code
// written for a net.Conn (an HTTP/2 or gRPC client, yamux) takes nc the
// same way. (Compiled, not run: it needs a server.)
func ExampleNew() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends the connection too
	c, err := client.Dial(ctx, "wss://example.com/tunnel", nil)
	if err != nil {
		return
	}
	nc := netconn.New(ctx, c, client.MessageBinary)
	defer nc.Close()

	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(nc, "PING\n"); err != nil {
		return
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	fmt.Printf("%q %v\n", line, err)
}
