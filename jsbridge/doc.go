// Package jsbridge holds small, safe helpers over syscall/js that any Go
// wasm program can reuse: a thrown JavaScript exception becomes a Go error
// (never a panic), a Promise is awaited with a context.Context, bytes are
// copied between Go and ArrayBuffer, typed arrays and Blob, and an event
// listener comes with one release func that removes it and releases its
// js.Func.
//
// Every file but this one builds for js && wasm only.
//
// The API lands with the browser WebSocket issue; see DESIGN.md.
package jsbridge
