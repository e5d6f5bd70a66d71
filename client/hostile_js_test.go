//go:build js && wasm

package client_test

// What browsers do where the native client differs (see
// docs/platforms.md, "Hostile peers").
const (
	// announcedSizeSeen: browsers hand a page a message only once it is
	// whole, so the read limit is checked then; a frame announcing a
	// terabyte is refused by Chrome itself (1006).
	announcedSizeSeen = false
	// closeBeforeLateData: Chrome fails the connection (1006) when data
	// follows the server's close frame.
	closeBeforeLateData = false
	// serverSeesProtocolError: what Chrome sends for a bad frame is the
	// browser's business; the tests do not assert it.
	serverSeesProtocolError = false
	// closeTimeoutIsError: a browser's close times out into the close
	// event it fires anyway.
	closeTimeoutIsError = false
	// closeNowCutsTCP: a page cannot cut TCP; the browser keeps it until
	// the server answers the close frame or its own timeout passes.
	closeNowCutsTCP = false
	// messagesBeforeFaultKept: Chrome drops messages that arrived in the
	// same read as a bad control frame.
	messagesBeforeFaultKept = false
	// readerStreams: browsers deliver messages whole, so Reader waits
	// for all of one.
	readerStreams = false
)
