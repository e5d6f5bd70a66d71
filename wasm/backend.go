//go:build js && wasm

package wasm

import "context"

// backend is what a Conn drives: the JavaScript shim (shim.go) for both
// transports or, where the page forbids building it, a Go implementation
// of the same over the classic WebSocket (fallback.go). Both call the
// Conn's notify with 1 (something to read), 2 (room to write) and 4
// (final: nothing will call again).
type backend interface {
	// fill appends to dst the messages ready to read, in order, packed as
	// [type: 1 text, 2 binary][length: uint32 little-endian][bytes]
	// (fillOK), at most about batchBytes of them; a message too big to
	// pack comes alone, in a new slice of its own (fillText, fillBinary),
	// so that no buffer keeps the size of the largest message. With arm
	// set and nothing ready, it asks for a notify(1) when there is
	// (fillEmpty).
	fill(dst []byte, arm bool) ([]byte, fillStatus)
	// release tells the backend that Read has returned a packed message
	// of n bytes: it no longer counts against the queue limit (n bytes
	// and queueEntryBytes). A message that came alone was released by
	// fill.
	release(n int)
	disarmRead()
	// closed reports how the socket ended, as soon as it is known.
	closed() (end, bool)
	// failure reports the limit that made this side close the socket
	// ("toobig", "queuefull" or "blob"), the size of the message that
	// failed and the limit as it was then, from the moment it does; ""
	// if none did. A negative size means at least -size bytes: a text
	// message longer than the read limit in UTF-16 units, refused
	// without counting its UTF-8.
	failure() (kind string, size, limit int64)
	readyState() ReadyState
	// refusedBy is the directive of the page's Content Security Policy
	// that refused the socket's URL (it then ended without opening), or
	// "": see shim.js's _watch.
	refusedBy() string
	protocol() string
	extensions() string
	buffered() int64
	// send sends p as a text (kindText) or binary (kindBinary) message,
	// unless high or more bytes are buffered (sendFull) or the socket is
	// not open (sendNotOpen); the bytes are copied before it returns.
	send(kind int, p []byte, high int64) (sendStatus, error)
	// armWrite reports whether a write may go now (buffered below low, or
	// the socket ending); if not, it asks for a notify(2) when it may.
	armWrite(low int64) bool
	disarmWrite()
	close(code int, reason string) error
	// setLimits changes the read and receive-queue limits for messages
	// that arrive from now on.
	setLimits(read, queue int64)
	// detach stops every call into Go and releases what the backend holds.
	detach()
}

// blobReader is the fallback backend's way to hand over the Blob that
// fill reported as fillBlob.
type blobReader interface {
	readBlob(ctx context.Context) ([]byte, error)
}

type fillStatus int

const (
	fillOK     fillStatus = iota // dst holds messages
	fillText                     // the slice returned is one text message, alone
	fillBinary                   // the slice returned is one binary message, alone
	fillEmpty                    // nothing to read yet
	fillEnded                    // the socket ended, or failed for a limit, and everything before has been read
	fillBlob                     // the fallback's next message is a Blob: see goSock.readBlob
)

// queueEntryBytes is what a received message counts against the queue
// limit beside its bytes, about what the browser keeps for each message
// (Chromium 156: some 200 bytes of JavaScript heap for an empty binary
// message, 55 for short text): so the limit bounds a flood of empty
// messages too. shim.js's ENTRY.
const queueEntryBytes = 128

// batchBytes is about the most fill packs at once: shim.js's RBUF. A
// message that does not fit comes alone.
const batchBytes = 64 << 10

type sendStatus int

const (
	sendOK sendStatus = iota
	sendFull
	sendNotOpen
)

const (
	kindText   = 1
	kindBinary = 2
)

// end is how a socket ended.
type end struct {
	code     int
	reason   string
	wasClean bool
	opened   bool
}
