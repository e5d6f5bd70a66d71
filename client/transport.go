package client

import (
	"context"
	"io"
)

// transport is what each platform supplies: transport_notjs.go on
// github.com/coder/websocket, transport_js.go on package wasm. Conn does
// the rest (argument checks, close codes, UTF-8 on writes, the state after
// Close), once for both. Errors come back already translated into this
// package's types.
type transport interface {
	// reader waits, bounded by ctx, for the next message and returns its
	// type and its body. A ctx that ends returns ctx.Err() and leaves the
	// connection usable. A body not read to its end is discarded by the
	// next reader or read.
	reader(ctx context.Context) (MessageType, io.Reader, error)
	// read is reader plus reading the whole body.
	read(ctx context.Context) (MessageType, []byte, error)
	write(ctx context.Context, typ MessageType, p []byte) error
	// writer returns a writer for one message, sent by the time Close
	// returns.
	writer(ctx context.Context, typ MessageType) (io.WriteCloser, error)
	// close sends code (already a wire code) and reason (already cut)
	// and waits, bounded by ctx, for the peer's close frame.
	close(ctx context.Context, code StatusCode, reason string) error
	closeNow() error
	// ping sends a ping frame and waits, bounded by ctx, for its pong.
	ping(ctx context.Context) error
	subprotocol() string
	extensions() string
	transport() Transport
	buffered() int64
	setReadLimit(n int64)
}
