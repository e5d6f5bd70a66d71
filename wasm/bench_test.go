//go:build js && wasm

package wasm_test

import (
	"context"
	"slices"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

// The benchmarks compare duplex with the page's own JavaScript talking to
// the same echo server in the same run, since absolute figures depend on
// the machine and the browser, and with github.com/coder/websocket's
// browser build, the Go alternative a program would pick. Run them with
// `make bench-browser`, which serves the page cross-origin isolated
// (internal/wasmrun), so that performance.now(), and with it Go's clock,
// resolves 5 µs instead of 100 µs.
//
// A third reference, the floor (floor_bench_test.go), is the least a Go
// program in the page can do with the same receive path: it says how much
// of the distance to JavaScript is duplex's and how much the platform's.
//
// Every implementation keeps one connection open for the whole benchmark,
// and they take turns in short rounds, so that the machine's drift (large
// on a small machine running a browser, a server and the tests) hits all
// alike: the ratios reported are medians of each round's ratio to
// JavaScript.

// jsFunc builds a benchmark helper written in JavaScript.
func jsFunc(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

// rawSocket opens the page's own WebSocket and returns benchmarks on it:
// run keeps inflight messages in flight until count have come back and
// returns the elapsed milliseconds; ping sends one message at a time, n
// times, and returns each round trip in milliseconds; slow reads count
// messages, waiting ms after each (setTimeout), and returns the elapsed
// milliseconds.
var rawSocket = jsFunc(`async function(url) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  return {
    run: async (size, text, count, inflight) => {
      const payload = text ? "x".repeat(size) : new Uint8Array(size);
      let sent = 0, recv = 0, bytes = 0;
      const t0 = performance.now();
      await new Promise((res) => {
        ws.onmessage = (e) => {
          const d = e.data;
          bytes += text ? d.length : d.byteLength;
          if (++recv === count) { res(); return; }
          if (sent < count) { ws.send(payload); sent++; }
        };
        for (; sent < Math.min(inflight, count); sent++) ws.send(payload);
      });
      return performance.now() - t0;
    },
    ping: async (size, n) => {
      const payload = new Uint8Array(size);
      const rtts = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await new Promise((res) => { ws.onmessage = res; ws.send(payload); });
        rtts.push(performance.now() - t0);
      }
      return rtts;
    },
    close: () => ws.close(),
  };
}`)

// slowJS reads count messages from a new WebSocket to url, waiting ms
// (setTimeout) after each; it first sends count messages of size bytes
// (for an echo server) unless size is 0. It returns the milliseconds from
// the first message read to the last.
var slowJS = jsFunc(`async function(url, count, size, ms) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const q = [];
  let wake = null;
  ws.onmessage = (e) => { q.push(e.data); if (wake) { const w = wake; wake = null; w(); } };
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  if (size > 0) {
    const payload = new Uint8Array(size);
    for (let i = 0; i < count; i++) ws.send(payload);
  }
  let t0 = 0;
  for (let i = 0; i < count; i++) {
    while (q.length === 0) await new Promise((res) => { wake = res; });
    if (i === 0) t0 = performance.now();
    q.shift();
    await new Promise((res) => setTimeout(res, ms));
  }
  const t = performance.now() - t0;
  ws.close();
  return t;
}`)

func openRaw(b *testing.B, url string) js.Value {
	raw, err := jsbridge.Await(context.Background(), rawSocket.Invoke(url))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Call("close") })
	return raw
}

// benchConn is what the benchmarks need of a connection.
type benchConn interface {
	Write(ctx context.Context, typ wasm.MessageType, p []byte) error
	Read(ctx context.Context) (wasm.MessageType, []byte, error)
	close()
}

type duplexConn struct{ *wasm.Conn }

// close waits for the closing handshake, so that no connection of one
// turn still delivers messages (and enters Go) in the next.
func (c duplexConn) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.CloseContext(ctx, 1000, "")
}

// coderConn is github.com/coder/websocket's browser build.
type coderConn struct{ c *websocket.Conn }

func (c coderConn) Write(ctx context.Context, typ wasm.MessageType, p []byte) error {
	return c.c.Write(ctx, websocket.MessageType(typ), p)
}

func (c coderConn) Read(ctx context.Context) (wasm.MessageType, []byte, error) {
	typ, p, err := c.c.Read(ctx)
	return wasm.MessageType(typ), p, err
}

func (c coderConn) close() { _ = c.c.Close(1000, "") }

type impl struct {
	name     string
	opts     wasm.Options
	fallback bool
	coder    bool
	floor    bool
}

var impls = []impl{
	{name: "classic"},
	{name: "stream", opts: wasm.Options{Transport: wasm.TransportStream}},
	{name: "fallback", fallback: true},
	{name: "coder", coder: true},
	{name: "floor", floor: true}, // floor_bench_test.go
}

func (im impl) dial(b *testing.B, url string) benchConn {
	ctx := context.Background()
	if im.floor {
		return openFloor(b, url)
	}
	if im.coder {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(1 << 20)
		return coderConn{c}
	}
	old := wasm.SetForceFallback(im.fallback)
	o := im.opts
	o.ReadLimit = 1 << 20
	o.ReceiveQueueLimit = 1 << 30 // the slow reader's flood
	c, err := wasm.Dial(ctx, url, &o)
	wasm.SetForceFallback(old)
	if err != nil {
		b.Fatal(err)
	}
	if want := map[bool]string{false: "export", true: "go"}[im.fallback]; c.ReceivePath() != want {
		b.Fatalf("%s: receive path %q, want %q", im.name, c.ReceivePath(), want)
	}
	return duplexConn{c}
}

// dialImpls opens one connection per implementation.
func dialImpls(b *testing.B, url string) []benchConn {
	conns := make([]benchConn, len(impls))
	for i, im := range impls {
		c := im.dial(b, url)
		b.Cleanup(c.close)
		conns[i] = c
	}
	return conns
}

type echoCase struct {
	name  string
	size  int
	text  bool
	count int // messages per round
}

var echoCases = []echoCase{
	{"16B", 16, false, 600},
	{"1KiB", 1024, false, 600},
	{"1KiB-text", 1024, true, 600},
	{"64KiB", 64 << 10, false, 60},
}

// goEcho is rawSocket's run, in Go.
func goEcho(b *testing.B, c benchConn, ec echoCase, inflight int) time.Duration {
	ctx := context.Background()
	bin := make([]byte, ec.size)
	typ := wasm.MessageBinary
	if ec.text {
		typ, bin = wasm.MessageText, []byte(strings.Repeat("x", ec.size))
	}
	send := func() error { return c.Write(ctx, typ, bin) }
	start := time.Now()
	sent := 0
	for ; sent < inflight && sent < ec.count; sent++ {
		if err := send(); err != nil {
			b.Fatal(err)
		}
	}
	for range ec.count {
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		if sent < ec.count {
			if err := send(); err != nil {
				b.Fatal(err)
			}
			sent++
		}
	}
	return time.Since(start)
}

// BenchmarkEcho measures messages per second with 64 in flight against the
// harness's echo. Each b.N iteration is 10 rounds.
func BenchmarkEcho(b *testing.B) {
	url := wstest.URL(b, "/echo")
	ctx := context.Background()
	raw := openRaw(b, url)
	conns := dialImpls(b, url)
	for _, ec := range echoCases {
		b.Run(ec.name, func(b *testing.B) {
			var jsRates []float64
			rates := make(map[string][]float64)
			ratios := make(map[string][]float64)
			for range b.N * 10 {
				v, err := jsbridge.Await(ctx, raw.Call("run", ec.size, ec.text, ec.count, 64))
				if err != nil {
					b.Fatal(err)
				}
				jsRate := float64(ec.count) / (v.Float() / 1000)
				jsRates = append(jsRates, jsRate)
				for i, im := range impls {
					rate := float64(ec.count) / goEcho(b, conns[i], ec, 64).Seconds()
					rates[im.name] = append(rates[im.name], rate)
					ratios[im.name] = append(ratios[im.name], rate/jsRate)
				}
			}
			b.ReportMetric(median(jsRates), "js-msgs/s")
			for _, im := range impls {
				b.ReportMetric(median(rates[im.name]), im.name+"-msgs/s")
				b.ReportMetric(median(ratios[im.name]), im.name+"/js")
			}
		})
	}
}

// BenchmarkRTT measures one 16-byte message's round trip, one at a time;
// each b.N iteration is 40 rounds of 25 round trips per implementation
// (and floor-inline, the floor answering inside the export). It reports
// the median (p50), the 99th percentile (p99) and the mean of each, and
// their ratios to JavaScript's.
func BenchmarkRTT(b *testing.B) {
	url := wstest.URL(b, "/echo")
	ctx := context.Background()
	raw := openRaw(b, url)
	conns := dialImpls(b, url)
	const chunk, rounds = 25, 40
	samples := make(map[string][]float64)
	msg := make([]byte, 16)
	b.ResetTimer()
	for range b.N * rounds {
		v, err := jsbridge.Await(ctx, raw.Call("ping", 16, chunk))
		if err != nil {
			b.Fatal(err)
		}
		for i := range v.Length() {
			samples["js"] = append(samples["js"], v.Index(i).Float()*1000)
		}
		for i, im := range impls {
			for range chunk {
				t0 := time.Now()
				if err := conns[i].Write(ctx, wasm.MessageBinary, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := conns[i].Read(ctx); err != nil {
					b.Fatal(err)
				}
				samples[im.name] = append(samples[im.name], float64(time.Since(t0).Nanoseconds())/1000)
			}
		}
		samples["floor-inline"] = append(samples["floor-inline"], floorInline(chunk)...)
	}
	js := samples["js"]
	b.ReportMetric(percentile(js, 50), "js-p50-µs")
	b.ReportMetric(percentile(js, 99), "js-p99-µs")
	b.ReportMetric(avg(js), "js-mean-µs")
	names := []string{"floor-inline"}
	for _, im := range impls {
		names = append(names, im.name)
	}
	for _, name := range names {
		s := samples[name]
		b.ReportMetric(percentile(s, 50), name+"-p50-µs")
		b.ReportMetric(percentile(s, 99), name+"-p99-µs")
		b.ReportMetric(avg(s), name+"-mean-µs")
		b.ReportMetric(percentile(s, 50)/percentile(js, 50), name+"-p50/js")
		b.ReportMetric(percentile(s, 99)/percentile(js, 99), name+"-p99/js")
	}
}

// BenchmarkSlowReader: a reader of 64 KiB messages that sleeps 1 ms
// after each; messages per second from the first message read to the
// 200th. In *flood* the server sends without end (/flood?n=0), so
// messages keep arriving while the reader sleeps; in *burst* the reader
// first sends 200 to the echo server and reads their echoes, which have
// all arrived after the first few. The JavaScript reader waits with
// setTimeout. sleep-only is the loop without a socket: the 1 ms sleeps
// alone. The connections take turns; each is closed before the next.
func BenchmarkSlowReader(b *testing.B) {
	const n, size = 200, 64 << 10
	for _, flood := range []bool{true, false} {
		name, url, jsSize := "burst", wstest.URL(b, "/echo"), size
		if flood {
			name, url, jsSize = "flood", wstest.URL(b, "/flood?n=0&size=65536"), 0
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			rates := make(map[string][]float64)
			for range b.N {
				v, err := jsbridge.Await(ctx, slowJS.Invoke(url, n, jsSize, 1))
				if err != nil {
					b.Fatal(err)
				}
				rates["js"] = append(rates["js"], (n-1)/(v.Float()/1000))
				t0 := time.Now()
				for range n {
					time.Sleep(time.Millisecond)
				}
				rates["sleep"] = append(rates["sleep"], n/time.Since(t0).Seconds())
				for _, im := range impls {
					if im.floor {
						continue // it has no nudge (shim.js, NUDGE_MS)
					}
					c := im.dial(b, url)
					wrote := make(chan error, 1)
					go func() {
						msg := make([]byte, size)
						for range n {
							if flood {
								break
							}
							if err := c.Write(ctx, wasm.MessageBinary, msg); err != nil {
								wrote <- err
								return
							}
						}
						wrote <- nil
					}()
					var t0 time.Time
					for i := range n {
						if _, _, err := c.Read(ctx); err != nil {
							b.Fatalf("%s: message %d: %v", im.name, i, err)
						}
						if i == 0 {
							t0 = time.Now()
						}
						time.Sleep(time.Millisecond)
					}
					rates[im.name] = append(rates[im.name], (n-1)/time.Since(t0).Seconds())
					if err := <-wrote; err != nil {
						b.Fatal(err)
					}
					c.close()
				}
			}
			b.ReportMetric(median(rates["js"]), "js-msgs/s")
			b.ReportMetric(median(rates["sleep"]), "sleep-only-msgs/s")
			for _, im := range impls {
				if im.floor {
					continue
				}
				b.ReportMetric(median(rates[im.name]), im.name+"-msgs/s")
			}
		})
	}
}

func median(v []float64) float64 { return percentile(v, 50) }

// percentile returns the p-th percentile of v (nearest rank).
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if p == 50 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func avg(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}
