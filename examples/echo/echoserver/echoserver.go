//go:build !js

// Package echoserver is the echo demo's server: every message it gets, it
// sends back as it came, text as text and binary as binary, up to
// echo.MaxMessage bytes. It reads and writes through codec/wsserver, the
// codec.MessageConn of a server.
//
//	http.ListenAndServe("127.0.0.1:8080", echoserver.Handler(ctx, "bin/demo/echo"))
package echoserver

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec/wsserver"
	"github.com/duplex-go/duplex/examples/echo"
	"github.com/duplex-go/duplex/wasmserve"
)

// Handler serves the page's files from dir and the echo WebSocket at
// /echo. When ctx ends, its connections close with 1001 (going away).
func Handler(ctx context.Context, dir string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", wasmserve.Handler(os.DirFS(dir))) // the wasm gzipped
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := wsserver.Accept(w, r, nil)
		if err != nil {
			return // Accept wrote the HTTP error
		}
		defer c.CloseNow()
		c.WebSocket().SetReadLimit(echo.MaxMessage)
		// The connection's own context: not ctx, whose end would make
		// coder/websocket cut the connection without a close frame.
		stop := context.AfterFunc(ctx, func() { _ = c.Close(client.StatusGoingAway, "server stopping") })
		defer stop()
		for {
			typ, p, err := c.Read(context.Background())
			if err != nil {
				return // the client went, or a message was over the limit (1009)
			}
			// A client that stops reading does not hold the connection
			// for ever.
			write, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = c.Write(write, typ, p)
			cancel()
			if err != nil {
				return
			}
		}
	})
	return mux
}
