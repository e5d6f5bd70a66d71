//go:build !js

// Command demo serves the three demos from one process, each a Go server
// and a Go page compiled to WebAssembly: an index at /, the clock at
// /clock/, the echo at /echo/ and the chat at /chat/.
//
//	make demo    # builds every page into bin/demo and runs this on 127.0.0.1:8080
package main

import (
	"context"
	_ "embed"
	"flag"
	"net/http"
	"path/filepath"
	"time"

	"github.com/duplex-go/duplex/examples/chat/chatserver"
	"github.com/duplex-go/duplex/examples/clock/clockserver"
	"github.com/duplex-go/duplex/examples/echo/echoserver"
	"github.com/duplex-go/duplex/examples/internal/serve"
)

//go:embed index.html
var index []byte

// demos are the demos' names: each one's path, and its page's directory.
var demos = []string{"clock", "echo", "chat"}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`address` to serve on")
	dir := flag.String("dir", "bin/demo", "`directory` holding a directory of each page (clock, echo, chat), each with index.html, wasm_exec.js and main.wasm")
	flag.Parse()
	var pages []string
	for _, d := range demos {
		pages = append(pages, filepath.Join(*dir, d))
	}
	chat := chatserver.New()
	serve.Main(*addr, pages, func(ctx context.Context) http.Handler {
		return newHandler(ctx, *dir, chat)
	})
}

// newHandler serves every demo under its own path, the page files from
// dir, and the index; the demos' WebSockets close with 1001 when ctx
// ends.
func newHandler(ctx context.Context, dir string, chat *chatserver.Server) http.Handler {
	mux := http.NewServeMux()
	page := func(name string) string { return filepath.Join(dir, name) }
	mux.Handle("/clock/", http.StripPrefix("/clock", clockserver.Handler(ctx, page("clock"), time.Second)))
	mux.Handle("/echo/", http.StripPrefix("/echo", echoserver.Handler(ctx, page("echo"))))
	mux.Handle("/chat/", http.StripPrefix("/chat", chat.Handler(ctx, page("chat"))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(index)
	})
	return mux
}
