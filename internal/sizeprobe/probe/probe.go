// Package probe is the frame of the codec size probes
// (internal/sizeprobe/codec*): the same dial, echo and close as
// internal/sizeprobe, around one round trip that each probe writes with
// the codec it measures.
//
//	func main() {
//		probe.Main(func(ctx context.Context, c *client.Conn) (string, error) { ... })
//	}
package probe

import (
	"context"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
)

// Main dials os.Args[1], runs roundTrip on the connection, prints what it
// returns and closes; on an error it prints it and exits with status 1.
func Main(roundTrip func(ctx context.Context, c *client.Conn) (string, error)) {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: " + os.Args[0] + " ws://host/echo\n")
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
	out, err := roundTrip(ctx, c)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(out + "\n")
	_ = c.Close(client.StatusNormalClosure, "")
}
