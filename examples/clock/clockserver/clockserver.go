//go:build !js

// Package clockserver is the clock demo's server: a WebSocket that pushes
// the seconds since the page connected, in codec.JSON, through
// codec/wsserver.
//
//	http.ListenAndServe("127.0.0.1:8080", clockserver.Handler(ctx, "bin/demo/clock", time.Second))
package clockserver

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
	"github.com/duplex-go/duplex/wasmserve"
)

// Tick is the message /clock pushes.
type Tick struct {
	// Seconds is the time since the page connected.
	Seconds float64 `json:"seconds"`
}

// Handler serves the static files of dir and the /clock WebSocket,
// whose pushes end when ctx does.
func Handler(ctx context.Context, dir string, every time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", wasmserve.Handler(os.DirFS(dir))) // the wasm gzipped
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
