//go:build !js

// Command server serves the clock demo: the page and its Go wasm from -dir,
// and a WebSocket at /clock that pushes the seconds elapsed since the page
// connected, every -every.
//
//	make demo-build && go -C examples run ./clock/server -dir ../bin/demo/clock
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

	"github.com/duplex-go/duplex/examples/clock/clockserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to serve on")
	dir := flag.String("dir", "bin/demo/clock", "`directory` holding index.html, wasm_exec.js and main.wasm")
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

// newHandler serves the static files of dir and the /clock WebSocket,
// whose pushes end when ctx does (package clockserver).
func newHandler(ctx context.Context, dir string, every time.Duration) http.Handler {
	return clockserver.Handler(ctx, dir, every)
}
