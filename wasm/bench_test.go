//go:build js && wasm

package wasm_test

import (
	"context"
	"slices"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

// The benchmarks compare duplex with the page's own JavaScript talking to
// the same echo server in the same run, since absolute figures depend on
// the machine and the browser. Run them with `make bench-browser`.
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

// rawSocket opens the page's own WebSocket and returns two benchmarks on
// it: run keeps inflight messages in flight until count have come back and
// returns the elapsed milliseconds; ping sends one message at a time, n
// times, and returns each round trip in milliseconds.
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

func openRaw(b *testing.B, url string) js.Value {
	raw, err := jsbridge.Await(context.Background(), rawSocket.Invoke(url))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Call("close") })
	return raw
}

type impl struct {
	name     string
	opts     wasm.Options
	fallback bool
}

var impls = []impl{
	{name: "classic"},
	{name: "stream", opts: wasm.Options{Transport: wasm.TransportStream}},
	{name: "fallback", fallback: true},
}

// dialImpls opens one Conn per implementation.
func dialImpls(b *testing.B, url string) []*wasm.Conn {
	conns := make([]*wasm.Conn, len(impls))
	for i, im := range impls {
		old := wasm.SetForceFallback(im.fallback)
		o := im.opts
		o.ReadLimit = 1 << 20
		c, err := wasm.Dial(context.Background(), url, &o)
		wasm.SetForceFallback(old)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close(1000, "") })
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
func goEcho(b *testing.B, c *wasm.Conn, ec echoCase, inflight int) time.Duration {
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
// each b.N iteration is 40 rounds of 25 round trips per implementation.
// The page's clock is coarse (Chrome rounds performance.now() to 100 µs on
// pages that are not cross-origin isolated, and Go's clock in the browser
// is the same one), so the mean is reported beside the median.
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
	}
	js := avg(samples["js"])
	b.ReportMetric(median(samples["js"]), "js-p50-µs")
	b.ReportMetric(js, "js-mean-µs")
	for _, im := range impls {
		b.ReportMetric(median(samples[im.name]), im.name+"-p50-µs")
		b.ReportMetric(avg(samples[im.name]), im.name+"-mean-µs")
		b.ReportMetric(avg(samples[im.name])/js, im.name+"-mean/js")
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func avg(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}
