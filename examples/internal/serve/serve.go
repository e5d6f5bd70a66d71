//go:build !js

// Package serve runs the demos' servers: it listens, says where, and
// stops on Ctrl-C, ending the handler's WebSockets with 1001 first.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// Main serves the handler that newHandler returns on addr until Ctrl-C
// or SIGTERM, after checking that each of pages (page directories, such
// as bin/demo/chat) holds a built main.wasm. newHandler's ctx ends when
// the server stops.
func Main(addr string, pages []string, newHandler func(ctx context.Context) http.Handler) {
	for _, dir := range pages {
		if _, err := os.Stat(filepath.Join(dir, "main.wasm")); err != nil {
			log.Fatalf("demo: the page is not built: %v (`make demo` builds every page)", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{
		Handler:           newHandler(ctx),
		ReadHeaderTimeout: 10 * time.Second,
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
