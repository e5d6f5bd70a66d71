// Package wasm is the browser's WebSocket for Go programs built with
// GOOS=js GOARCH=wasm, complete: both binaryType values with blobs decoded
// in arrival order, bufferedAmount and write backpressure, a bounded receive
// queue, protocol, extensions, readyState, and close codes, reasons and
// wasClean as the browser reports them.
//
// It knows nothing of reconnecting or codecs, and never imports client:
// client's browser transport translates between the two. Every file but
// this one builds for js && wasm only.
//
// The API lands with the browser WebSocket issue; see DESIGN.md.
package wasm
