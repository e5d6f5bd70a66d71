package reconnect_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// messageConn is what both sides of BenchmarkEcho have.
type messageConn interface {
	Read(ctx context.Context) (client.MessageType, []byte, error)
	Write(ctx context.Context, typ client.MessageType, p []byte) error
}

// BenchmarkEcho times one round trip (write a binary message, read its
// echo) on a reconnect.Conn and on the client.Conn it wraps, over
// loopback to the harness, in turns of 100 on two connections so that
// both see the same machine; ratio is reconnect ÷ client. The difference
// is reconnect's reading goroutine handing each message to Read.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{16, 1024, 16 << 10} {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			ctx := context.Background()
			cc, err := client.Dial(ctx, wstest.URL(b, "/echo"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer cc.CloseNow()
			rc, err := reconnect.Dial(ctx, wstest.URL(b, "/echo"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer rc.CloseNow()
			msg := make([]byte, size)
			var times [2]int64
			conns := [2]messageConn{rc, cc}
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(100, b.N-done)
				for i, c := range conns {
					start := nanotime()
					for range n {
						if err := c.Write(ctx, client.MessageBinary, msg); err != nil {
							b.Fatal(err)
						}
						if _, _, err := c.Read(ctx); err != nil {
							b.Fatal(err)
						}
					}
					times[i] += nanotime() - start
				}
				done += n
			}
			b.ReportMetric(float64(times[0])/float64(b.N), "reconnect-ns/op")
			b.ReportMetric(float64(times[1])/float64(b.N), "client-ns/op")
			b.ReportMetric(float64(times[0])/float64(times[1]), "ratio")
		})
	}
}

func nanotime() int64 { return time.Now().UnixNano() }
