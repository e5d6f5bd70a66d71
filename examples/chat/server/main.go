//go:build !js

// Command server serves the chat demo alone: the page from -dir, and the
// chat's WebSocket at /chat.
//
//	make demo-build && go -C examples run ./chat/server -dir ../bin/demo/chat
package main

import (
	"context"
	"flag"
	"net/http"

	"github.com/duplex-go/duplex/examples/chat/chatserver"
	"github.com/duplex-go/duplex/examples/internal/serve"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to serve on")
	dir := flag.String("dir", "bin/demo/chat", "`directory` holding index.html, style.css, wasm_exec.js and main.wasm")
	flag.Parse()
	s := chatserver.New()
	serve.Main(*addr, []string{*dir}, func(ctx context.Context) http.Handler { return s.Handler(ctx, *dir) })
}
