// Package wasm is the browser's WebSocket for Go programs built with
// GOOS=js GOARCH=wasm, complete and safe: both binary types (Blobs read in
// arrival order), backpressure both ways, a bounded receive queue, close
// codes the browser accepts, and every close code, reason and wasClean the
// browser reports.
//
//	c, err := wasm.Dial(ctx, "wss://example.com/chat", &wasm.Options{Subprotocols: []string{"chat.v1"}})
//	if err != nil { ... }
//	defer c.Close(wasm.StatusNormalClosure, "bye")
//	err = c.Write(ctx, wasm.MessageText, []byte("hello"))
//	typ, p, err := c.Read(ctx)
//
// It speaks package client's language: the same names for the same
// things, and the very same types, constants and errors (MessageType,
// StatusCode, CloseError, DialError, ErrMessageTooBig and the other
// sentinels are aliases of one declaration), so that errors.As and
// errors.Is hold whichever of the two packages made an error. It knows
// nothing of reconnecting or codecs, and never imports package client,
// whose browser build runs on it.
//
// # How it reaches JavaScript
//
// Calling from JavaScript into Go costs far more than a call the other way,
// so the package keeps received messages in a small piece of JavaScript
// (built once per page with the Function constructor) and wakes Go once per
// batch of messages, not once per message. It enters Go through a function
// the program exports (//go:wasmexport), a few µs, and writes the messages
// straight into the memory of the Read that waits for them; where it cannot
// find the page's Go instance (a page that does not load Go's own
// wasm_exec.js), through a js.Func, about 100 µs (Conn.ReceivePath says
// which). A Go program in a dedicated Web Worker works the same. Limits are enforced there,
// before a byte is copied into Go memory. Where a Content Security Policy
// forbids building code from a string ('unsafe-eval'), a program that has
// called EnableCSPFallback gets the classic WebSocket with one Go listener
// per event: the same behaviour, slower under load, and without
// WebSocketStream. Others get an error saying so: the fallback is opt-in so
// that pages which never need it do not download it.
//
// # Browsers (GOOS=js)
//
//   - The browser sends only close codes 1000 and 3000-4999: Close maps the
//     protocol's 1001-1015 onto 4001-4015 (WireCode).
//   - A handshake the server refuses looks like any other failure: close
//     1006, never the HTTP status (DialError). Where the page can know
//     more, DialError says so: mixed content and a Content Security
//     Policy always, and with EnableDialProbe whether anything answers
//     HTTP there.
//   - The classic WebSocket has no event for bufferedAmount falling: a
//     write waiting on backpressure polls it, from 1 ms to 64 ms.
//
// Every file but this one builds for js && wasm only: natively the package
// holds this comment and nothing else. To read its API on any machine, run
//
//	GOOS=js GOARCH=wasm go doc -all github.com/duplex-go/duplex/wasm
//
// or choose js/wasm on pkg.go.dev (whose default view is linux/amd64).
package wasm

// shim.min.js, which the browser build embeds, is made from shim.js.
//go:generate go run ../internal/jsmin/cmd/jsmin shim.js shim.min.js
