//go:build !js

package client_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// The echo benchmarks time one round trip (write a binary message, read
// its echo) through client and through raw coder/websocket, over loopback
// to the in-process harness. Both do the same work:
//
//   - read=whole reads with Read (a new slice per message, io.ReadAll on
//     both); read=stream reads with Reader into a reused buffer.
//   - ctx=cancel: one cancellable context for the whole run, as a
//     program's long-lived ctx; ctx=background: context.Background();
//     ctx=timeout: a context.WithTimeout made for each round trip, as a
//     program bounding each request. coder/websocket watches a ctx that
//     can end once per frame it reads; client once per Read.
//
// BenchmarkEcho runs each implementation alone: it gives B/op and
// allocs/op. BenchmarkEchoPaired alternates the two on two connections,
// in turns of pairedBlock round trips, so both see the same machine
// within milliseconds; its ratio metric (client ns ÷ coder ns) is the
// figure to compare on a machine shared with other work. (Turns of one
// round trip would be unfair: work a design leaves for after Read
// returns, such as waking a reading goroutine, would be timed on the
// other side.)

var (
	echoSizes = []int{16, 1024, 16 << 10, 1 << 20}
	echoCtxs  = []string{"cancel", "background", "timeout"}
)

// roundTrip is one echo: write msg, read the echo (whole, or streamed
// into buf).
type roundTrip func(ctx context.Context) error

func dialClient(b *testing.B, msg, buf []byte, stream bool) roundTrip {
	c, err := client.Dial(context.Background(), wstest.URL(b, "/echo"), &client.Options{ReadLimit: 2 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.CloseNow() })
	return func(ctx context.Context) error {
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
}

func dialCoder(b *testing.B, msg, buf []byte, stream bool) roundTrip {
	c, _, err := websocket.Dial(context.Background(), wstest.URL(b, "/echo"), nil)
	if err != nil {
		b.Fatal(err)
	}
	c.SetReadLimit(2 << 20)
	b.Cleanup(func() { _ = c.CloseNow() })
	return func(ctx context.Context) error {
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
}

// run does one round trip with the ctx of kind.
func run(parent context.Context, kind string, rt roundTrip) error {
	if kind != "timeout" {
		return rt(parent)
	}
	ctx, cancel := context.WithTimeout(parent, 10*time.Second)
	defer cancel()
	return rt(ctx)
}

// parent is the ctx round trips of kind derive from.
func parent(b *testing.B, kind string) context.Context {
	if kind == "background" {
		return context.Background()
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return ctx
}

func forEachCase(b *testing.B, f func(b *testing.B, size int, stream bool, kind string)) {
	for _, size := range echoSizes {
		for _, stream := range []bool{false, true} {
			read := "whole"
			if stream {
				read = "stream"
			}
			for _, kind := range echoCtxs {
				b.Run(fmt.Sprintf("size=%dB/read=%s/ctx=%s", size, read, kind), func(b *testing.B) {
					f(b, size, stream, kind)
				})
			}
		}
	}
}

func BenchmarkEcho(b *testing.B) {
	forEachCase(b, func(b *testing.B, size int, stream bool, kind string) {
		for _, impl := range []struct {
			name string
			dial func(*testing.B, []byte, []byte, bool) roundTrip
		}{{"client", dialClient}, {"coder", dialCoder}} {
			b.Run("impl="+impl.name, func(b *testing.B) {
				rt := impl.dial(b, make([]byte, size), make([]byte, size), stream)
				ctx := parent(b, kind)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := run(ctx, kind, rt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

func BenchmarkEchoPaired(b *testing.B) {
	forEachCase(b, func(b *testing.B, size int, stream bool, kind string) {
		rts := [2]roundTrip{
			dialClient(b, make([]byte, size), make([]byte, size), stream),
			dialCoder(b, make([]byte, size), make([]byte, size), stream),
		}
		ctx := parent(b, kind)
		var took [2]time.Duration
		var count [2]int
		// Turns of pairedBlock round trips: work one side leaves behind
		// (a goroutine it wakes) spills into the other's time only at
		// the end of a turn.
		side, start := 0, time.Now()
		for b.Loop() {
			if err := run(ctx, kind, rts[side]); err != nil {
				b.Fatal(err)
			}
			count[side]++
			if count[side]%pairedBlock == 0 {
				now := time.Now()
				took[side] += now.Sub(start)
				side, start = 1-side, now
			}
		}
		took[side] += time.Since(start)
		b.ReportMetric(float64(took[0].Nanoseconds())/float64(count[0]), "client-ns/op")
		b.ReportMetric(float64(took[1].Nanoseconds())/float64(max(count[1], 1)), "coder-ns/op")
		b.ReportMetric(float64(took[0])/float64(count[0])/(float64(took[1])/float64(max(count[1], 1))), "client/coder")
	})
}

// pairedBlock is the length of a turn in BenchmarkEchoPaired: some
// milliseconds, short against the machine's drift.
const pairedBlock = 100

// BenchmarkReadFragmented reads a 4 MiB message that arrives in frames
// of 4 KiB (gorilla/websocket's default) or 16 B: the stream holds it
// whole, and every byte must be scanned once, not once per read.
func BenchmarkReadFragmented(b *testing.B) {
	for _, frame := range []int{4 << 10, 16} {
		b.Run(fmt.Sprintf("frame=%dB", frame), func(b *testing.B) {
			const size = 4 << 20
			var msg []byte
			for off := 0; off < size; off += frame {
				op := byte(0x0)
				if off == 0 {
					op = 0x2
				}
				if off+frame >= size {
					op |= 0x80
				}
				if frame < 126 {
					msg = append(msg, op, byte(frame))
				} else {
					msg = append(msg, op, 126, byte(frame>>8), byte(frame))
				}
				msg = append(msg, make([]byte, frame)...)
			}
			want := make(chan struct{})
			url, _ := scripted(b, false, func(conn net.Conn, _ *bufio.Reader) {
				for range want {
					if _, err := conn.Write(msg); err != nil {
						return
					}
				}
			})
			// No read limit: a 16-byte frame's header is an eighth of it,
			// over what a limit allows a message for its headers.
			c, err := client.Dial(context.Background(), url, &client.Options{ReadLimit: -1})
			if err != nil {
				close(want)
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = c.CloseNow() })
			b.Cleanup(func() { close(want) })
			b.SetBytes(size)
			for b.Loop() {
				want <- struct{}{}
				if _, _, err := c.Read(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
