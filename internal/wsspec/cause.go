package wsspec

// Cause is why a browser's WebSocket never opened, where the page can
// know: packages wasm and client export the same constants
// (ErrMixedContent...), so that errors.Is holds whichever of the two
// returned the error. Natively none is ever returned: a failed handshake
// there carries the HTTP answer or the network's error itself.
//
// They are constants, not variables made with errors.New, so that a
// program that never looks for a cause does not link them: every page
// downloads what a variable's initialisation costs.
type Cause string

// Error returns the cause's text, after "websocket: ".
func (c Cause) Error() string { return "websocket: " + string(c) }

// The causes: see package wasm's ErrMixedContent, ErrBlockedByCSP,
// ErrUnreachable and ErrUpgradeRefused.
const (
	ErrMixedContent   Cause = "an https page may not open a ws:// WebSocket (mixed content)"
	ErrBlockedByCSP   Cause = "the page's Content Security Policy does not allow the URL"
	ErrUnreachable    Cause = "nothing answers HTTP at the address"
	ErrUpgradeRefused Cause = "a server answers HTTP at the address and refused the handshake"
)
