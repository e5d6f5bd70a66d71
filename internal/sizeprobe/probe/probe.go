// Package probe is the frame of the codec size probes
// (internal/sizeprobe/codec*): the same dial, echo and close as
// internal/sizeprobe, around one round trip that each probe writes with
// the codec it measures. Like internal/sizeprobe it imports nothing but
// client, context and time, so that a probe measures its codec.
//
//	func main() {
//		probe.Main(func(ctx context.Context, c *client.Conn) (string, error) { ... })
//	}
package probe

import (
	"context"
	"time"

	"github.com/duplex-go/duplex/client"
)

// url is where a probe dials: the page's own origin, at /echo.
const url = "/echo"

// Main dials url, runs roundTrip on the connection, prints what it
// returns (with println) and closes; on an error it prints it and
// returns.
func Main(roundTrip func(ctx context.Context, c *client.Conn) (string, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, nil)
	if err != nil {
		println(err.Error())
		return
	}
	defer c.CloseNow()
	out, err := roundTrip(ctx, c)
	if err != nil {
		println(err.Error())
		return
	}
	println(out)
	_ = c.Close(client.StatusNormalClosure, "")
}
