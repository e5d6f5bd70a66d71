//go:build !js

// Command server serves the clock demo: the page and its Go wasm from -dir,
// and a WebSocket at /clock that pushes the seconds elapsed since the page
// connected, every -every.
//
//	make demo    # builds bin/demo and runs this on 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to serve on")
	dir := flag.String("dir", "bin/demo", "`directory` holding index.html, wasm_exec.js and main.wasm")
	every := flag.Duration("every", time.Second, "push `interval`")
	flag.Parse()
	if _, err := os.Stat(*dir + "/main.wasm"); err != nil {
		log.Fatalf("demo: %v (build it with `make demo`)", err)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{
		Handler:           newHandler(ctx, *dir, *every),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	fmt.Printf("demo: open http://%s/ (Ctrl-C stops)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("demo: %v", err)
	}
}

// Tick is the message /clock pushes.
type Tick struct {
	// Seconds is the time since the page connected.
	Seconds float64 `json:"seconds"`
}

// newHandler serves the static files of dir and the /clock WebSocket,
// whose pushes end when ctx does.
func newHandler(ctx context.Context, dir string, every time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServer(http.Dir(dir)))
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, r *http.Request) {
		c, err := wsserver.Accept(w, r, nil)
		if err != nil {
			return // Accept wrote the HTTP error
		}
		defer c.CloseNow()
		// The page's codec, codec.JSON, on the server's connection.
		ticks := codec.NewConn(c, codec.JSON[Tick]{})
		// The page sends nothing; CloseRead handles its close frame, and its
		// context ends when the page goes. It must not derive from ctx: a
		// cancelled CloseRead cuts the connection without a close frame,
		// racing the 1001 below.
		gone := c.WebSocket().CloseRead(context.Background())
		start := time.Now()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-gone.Done():
				return
			case <-ctx.Done():
				_ = c.Close(client.StatusGoingAway, "demo: server stopping")
				return
			case now := <-t.C:
				if ticks.Send(gone, Tick{Seconds: now.Sub(start).Round(every).Seconds()}) != nil {
					return
				}
			}
		}
	})
	return mux
}
