//go:build !js

package client_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// BenchmarkEcho is one echo round trip through client, against the same
// round trip on raw coder/websocket, over loopback to the in-process
// harness. Both use a cancellable context, as programs do. The streaming
// variants read with Reader into a reused buffer (no allocation per
// message on either).
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{16, 1024, 16 << 10} {
		msg := make([]byte, size)
		buf := make([]byte, size)
		// dial opens a connection for one sub-benchmark and returns its
		// round trip: write msg, then read the echo whole or streamed.
		for _, impl := range []struct {
			name string
			dial func(ctx context.Context, b *testing.B, stream bool) func() error
		}{
			{"client", func(ctx context.Context, b *testing.B, stream bool) func() error {
				c, err := client.Dial(ctx, wstest.URL(b, "/echo"), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = c.CloseNow() })
				return func() error {
					if err := c.Write(ctx, client.MessageBinary, msg); err != nil {
						return err
					}
					if !stream {
						_, _, err := c.Read(ctx)
						return err
					}
					_, r, err := c.Reader(ctx)
					if err == nil {
						_, err = io.ReadFull(r, buf)
					}
					return err
				}
			}},
			{"coder", func(ctx context.Context, b *testing.B, stream bool) func() error {
				c, _, err := websocket.Dial(ctx, wstest.URL(b, "/echo"), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = c.CloseNow() })
				return func() error {
					if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
						return err
					}
					if !stream {
						_, _, err := c.Read(ctx)
						return err
					}
					_, r, err := c.Reader(ctx)
					if err == nil {
						_, err = io.ReadFull(r, buf)
					}
					return err
				}
			}},
		} {
			for _, stream := range []bool{false, true} {
				name := fmt.Sprintf("%dB/%s", size, impl.name)
				if stream {
					name += "-stream"
				}
				b.Run(name, func(b *testing.B) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					roundTrip := impl.dial(ctx, b, stream)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if err := roundTrip(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
