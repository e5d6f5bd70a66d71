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

// jsFunc builds a benchmark helper written in JavaScript.
func jsFunc(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

// rawEcho keeps inflight messages in flight until count have come back,
// and returns the elapsed milliseconds.
var rawEcho = jsFunc(`async function(url, size, text, count, inflight) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
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
  const ms = performance.now() - t0;
  ws.close();
  return ms;
}`)

// rawRTT sends one message at a time and returns each round trip in
// milliseconds.
var rawRTT = jsFunc(`async function(url, size, count) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  const payload = new Uint8Array(size);
  const rtts = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise((res) => { ws.onmessage = res; ws.send(payload); });
    rtts.push(performance.now() - t0);
  }
  ws.close();
  return rtts;
}`)

type echoCase struct {
	name  string
	size  int
	text  bool
	count int // messages per round
}

var echoCases = []echoCase{
	{"16B", 16, false, 4000},
	{"1KiB", 1024, false, 4000},
	{"1KiB-text", 1024, true, 4000},
	{"64KiB", 64 << 10, false, 600},
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

func goEcho(b *testing.B, url string, im impl, ec echoCase, inflight int) time.Duration {
	old := wasm.SetForceFallback(im.fallback)
	defer wasm.SetForceFallback(old)
	ctx := context.Background()
	o := im.opts
	o.ReadLimit = 1 << 20
	c, err := wasm.Dial(ctx, url, &o)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx, 1000, "")
	bin := make([]byte, ec.size)
	text := strings.Repeat("x", ec.size)
	send := func() error {
		if ec.text {
			return c.WriteText(ctx, text)
		}
		return c.WriteBinary(ctx, bin)
	}
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
// harness's echo, for the page's own JavaScript and for each backend. Each
// b.N iteration is one round of every implementation, interleaved so that
// the machine's drift hits all alike; the ratios are of medians.
func BenchmarkEcho(b *testing.B) {
	url := wstest.URL(b, "/echo")
	for _, ec := range echoCases {
		b.Run(ec.name, func(b *testing.B) {
			raw := make([]float64, 0, b.N)
			rates := make(map[string][]float64)
			for range b.N {
				v, err := jsbridge.Await(context.Background(), rawEcho.Invoke(url, ec.size, ec.text, ec.count, 64))
				if err != nil {
					b.Fatal(err)
				}
				raw = append(raw, float64(ec.count)/(v.Float()/1000))
				for _, im := range impls {
					d := goEcho(b, url, im, ec, 64)
					rates[im.name] = append(rates[im.name], float64(ec.count)/d.Seconds())
				}
			}
			b.ReportMetric(median(raw), "js-msgs/s")
			for _, im := range impls {
				m := median(rates[im.name])
				b.ReportMetric(m, im.name+"-msgs/s")
				b.ReportMetric(m/median(raw), im.name+"/js")
			}
		})
	}
}

// BenchmarkRTT measures one 16-byte message's round trip, one at a time.
// The page's clock is coarse (Chrome rounds performance.now() to 100 µs
// on pages that are not cross-origin isolated), so the mean over all round
// trips is reported beside the median.
func BenchmarkRTT(b *testing.B) {
	url := wstest.URL(b, "/echo")
	const count = 1000
	ctx := context.Background()
	var raw, rawMean []float64
	p50 := make(map[string][]float64)
	mean := make(map[string][]float64)
	for range b.N {
		v, err := jsbridge.Await(ctx, rawRTT.Invoke(url, 16, count))
		if err != nil {
			b.Fatal(err)
		}
		rtts := make([]float64, v.Length())
		for i := range rtts {
			rtts[i] = v.Index(i).Float() * 1000
		}
		raw = append(raw, median(rtts))
		rawMean = append(rawMean, avg(rtts))
		for _, im := range impls {
			old := wasm.SetForceFallback(im.fallback)
			o := im.opts
			c, err := wasm.Dial(ctx, url, &o)
			if err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, 16)
			rtts := make([]float64, 0, count)
			for range count {
				t0 := time.Now()
				if err := c.WriteBinary(ctx, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.Read(ctx); err != nil {
					b.Fatal(err)
				}
				rtts = append(rtts, float64(time.Since(t0).Microseconds()))
			}
			c.Close(ctx, 1000, "")
			wasm.SetForceFallback(old)
			p50[im.name] = append(p50[im.name], median(rtts))
			mean[im.name] = append(mean[im.name], avg(rtts))
		}
	}
	b.ReportMetric(median(raw), "js-p50-µs")
	b.ReportMetric(median(rawMean), "js-mean-µs")
	for _, im := range impls {
		b.ReportMetric(median(p50[im.name]), im.name+"-p50-µs")
		b.ReportMetric(median(mean[im.name]), im.name+"-mean-µs")
		b.ReportMetric(median(mean[im.name])/median(rawMean), im.name+"-mean/js")
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
