// Package jsbridge holds small, safe helpers over syscall/js that any Go
// wasm program can reuse: a thrown JavaScript exception becomes a Go error
// (never a panic), a Promise is awaited with a context.Context, bytes are
// copied between Go and ArrayBuffer, typed arrays and Blob, and an event
// listener comes with one release func that removes it and releases its
// js.Func.
//
//	ws, err := jsbridge.New(js.Global().Get("WebSocket"), "ftp://x") // a *Error named "SyntaxError"
//	release, err := jsbridge.Listen(ws, "message", func(e js.Value) { ... })
//	defer release()
//	buf, err := jsbridge.Await(ctx, blob.Call("arrayBuffer"))
//	p, err := jsbridge.CopyToGo(buf)
//
// Every js.Func this package creates is counted until released
// ([LiveFuncs]), so a test can prove that nothing leaks.
//
// # Browsers (GOOS=js)
//
// Every file but this one builds for js && wasm only: natively the package
// holds this comment and nothing else. To read its API on any machine, run
//
//	GOOS=js GOARCH=wasm go doc -all github.com/duplex-go/duplex/jsbridge
//
// or choose js/wasm on pkg.go.dev (whose default view is linux/amd64).
package jsbridge
