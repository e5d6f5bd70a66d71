// Package wasmserve serves a Go WebAssembly page from a Go server: the
// files of a directory, with the .wasm as application/wasm and
// compressed, since an uncompressed Go wasm is about four times what the
// page needs to download.
//
//	mux := http.NewServeMux()
//	mux.Handle("/", wasmserve.Handler(os.DirFS("web"))) // index.html, wasm_exec.js, main.wasm
//	mux.HandleFunc("/chat", chat)                        // the page's WebSocket
//	err := http.ListenAndServe("127.0.0.1:8080", mux)
//
// For each file it serves the best encoding the browser accepts: a
// precompressed sibling (main.wasm.br, then main.wasm.gz) when there is
// one, else, for .wasm and .js files, a gzip made on first request and
// kept in memory until the file changes. Content-Type comes from the
// name of the file asked for (application/wasm, text/javascript, ...),
// never from the compressed sibling's.
//
// wasm_exec.js must be the one of the Go that built the .wasm: copy it
// next to it at each build, from $(go env GOROOT)/lib/wasm/wasm_exec.js.
//
// The package is for servers: it builds natively only.
package wasmserve
