//go:build !js

package reconnect_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplex-go/duplex/reconnect"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// The herd: herdClients Conns on one harness, which restarts (every
// connection cut, the port closed for herdDown, then open again). How the
// Conns come back says how well the backoff spreads them: `make herd`,
// docs/benchmarks.md.
const (
	herdClients = 1000
	herdDown    = 2 * time.Second
	herdBin     = 100 * time.Millisecond
)

// herdServer is the harness on a port of its own, which it can give up
// and take again, counting the time of each WebSocket handshake.
type herdServer struct {
	addr string
	h    *harness.Harness
	srv  *http.Server

	mu    sync.Mutex
	times []time.Time // the handshakes since the last restart
}

func (s *herdServer) start(b *testing.B) {
	b.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port was just closed: it may take a moment
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		b.Fatalf("listen on %s again: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	s.h = harness.New(nil)
	h := s.h
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.times = append(s.times, time.Now())
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})}
	go func() { _ = s.srv.Serve(ln) }()
}

// stop cuts every connection and closes the port.
func (s *herdServer) stop() {
	_ = s.srv.Close()
	_ = s.h.Close()
}

func (s *herdServer) handshakes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.times
	s.times = nil
	return t
}

// BenchmarkHerd: herdClients Conns through a restart of their server,
// with the default backoff (full jitter), and for comparison full jitter
// drawn alone, equal jitter (the default before) and none. It reports,
// from the moment the port is open again, the handshakes per 100 ms: the
// peak, the mean (over the bins until the last Conn is back) and peak ÷
// mean (the goal: at most 2); and the time until all are back. Run it
// with `make herd`; each run is one restart (-benchtime=1x).
func BenchmarkHerd(b *testing.B) {
	for _, tt := range []struct {
		name    string
		backoff reconnect.Backoff
	}{
		{"jitter=full", reconnect.Exponential{}},
		// Full jitter with each delay drawn alone (Exponential.Delay, as
		// any other Backoff is used), not at one point of each window.
		{"jitter=full-alone", backoffFunc(reconnect.Exponential{}.Delay)},
		// The default before: each delay from half to all of it.
		{"jitter=equal", reconnect.Exponential{Jitter: reconnect.EqualJitter}},
		{"jitter=none", reconnect.Exponential{Jitter: reconnect.NoJitter}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for range b.N {
				herd(b, tt.backoff)
			}
		})
	}
}

func herd(b *testing.B, backoff reconnect.Backoff) {
	s := &herdServer{addr: "127.0.0.1:0"}
	s.start(b)
	var connected atomic.Int64
	up := make(chan struct{}, herdClients)
	conns := make([]*reconnect.Conn, 0, herdClients)
	defer func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
		s.stop()
	}()
	for range herdClients {
		c, err := reconnect.New("ws://"+s.addr+"/echo", &reconnect.Options{
			Backoff: backoff,
			OnState: func(e reconnect.Event) {
				if e.State == reconnect.Connected {
					connected.Add(1)
					up <- struct{}{}
				}
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	wait := func(n int) {
		for range n {
			select {
			case <-up:
			case <-ctx.Done():
				b.Fatalf("%d of %d Conns connected in 3 minutes", connected.Load(), herdClients)
			}
		}
	}
	wait(herdClients)
	s.handshakes()

	b.ResetTimer()
	cut := time.Now()
	s.stop()
	time.Sleep(herdDown)
	s.start(b)
	back := time.Now()
	wait(herdClients)
	all := time.Since(back)
	b.StopTimer()

	times := s.handshakes()
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if len(times) < herdClients {
		b.Fatal(errors.New("fewer handshakes than Conns: " + strconv.Itoa(len(times))))
	}
	bins := make([]int, int(times[len(times)-1].Sub(back)/herdBin)+1)
	for _, t := range times {
		bins[int(t.Sub(back)/herdBin)]++
	}
	peak := 0
	for _, n := range bins {
		peak = max(peak, n)
	}
	mean := float64(len(times)) / float64(len(bins))
	b.ReportMetric(float64(peak), "peak/100ms")
	b.ReportMetric(mean, "mean/100ms")
	b.ReportMetric(float64(peak)/mean, "peak/mean")
	b.ReportMetric(all.Seconds(), "s-to-all")
	b.Logf("%d Conns, cut, port closed %v, back: %d handshakes; per 100 ms: peak %d, mean %.1f, peak/mean %.2f; all back %.2f s after the port opened (%.2f s after the cut); bins: %v",
		herdClients, herdDown, len(times), peak, mean, float64(peak)/mean, all.Seconds(), time.Since(cut).Seconds(), bins)
}
