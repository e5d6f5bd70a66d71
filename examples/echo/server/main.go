//go:build !js

// Command server serves the echo demo alone: the page from -dir, and the
// echo WebSocket at /echo.
//
//	make demo-build && go -C examples run ./echo/server -dir ../bin/demo/echo
package main

import (
	"context"
	"flag"
	"net/http"

	"github.com/duplex-go/duplex/examples/echo/echoserver"
	"github.com/duplex-go/duplex/examples/internal/serve"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to serve on")
	dir := flag.String("dir", "bin/demo/echo", "`directory` holding index.html, style.css, wasm_exec.js and main.wasm")
	flag.Parse()
	serve.Main(*addr, []string{*dir}, func(ctx context.Context) http.Handler { return echoserver.Handler(ctx, *dir) })
}
