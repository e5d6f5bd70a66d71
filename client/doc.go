// Package client is duplex's portable WebSocket client: one API to dial,
// read, write and close that compiles and behaves the same natively (on
// github.com/coder/websocket) and in the browser (GOOS=js GOARCH=wasm, on
// the page's own WebSocket through package wasm).
//
// It owns Dial, Conn, MessageType, StatusCode, CloseError and Options,
// declared once in files with no build tag; each platform supplies only a
// small unexported transport. It never imports reconnect or codec, which
// are layers above it, and its browser build imports neither net/http nor
// coder/websocket.
//
// The API lands with the client issue; see DESIGN.md for the map.
package client
