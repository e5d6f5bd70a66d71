package client

import "github.com/duplex-go/duplex/internal/wsspec"

// Why a WebSocket never opened in the browser, where the page can know
// more than the close 1006 that browsers report for every failed
// handshake: with EnableDialDiagnostics, a *DialError holds one of these
// in the chain of its Err (errors.Is). They are package wasm's values too.
// Natively none is ever returned: a failed handshake there carries the
// HTTP status or the network's error itself. They are constants: a
// program that never looks for them does not link them.
const (
	// ErrMixedContent: the page was loaded over https and the URL is
	// ws://, which browsers refuse before connecting. Use wss://.
	ErrMixedContent = wsspec.ErrMixedContent
	// ErrBlockedByCSP: the page's Content Security Policy does not allow
	// the URL (connect-src), and the browser refused before connecting.
	ErrBlockedByCSP = wsspec.ErrBlockedByCSP
	// ErrUnreachable: with EnableDialProbe, an HTTP request to the URL's
	// host and port failed too: nothing listens there, the name did not
	// resolve, TLS failed, or something on the way refused it.
	ErrUnreachable = wsspec.ErrUnreachable
	// ErrUpgradeRefused: with EnableDialProbe, a server answered an HTTP
	// request to the URL's host and port: it is there, and refused the
	// handshake (an HTTP error status, a redirect, or none of the offered
	// subprotocols; its logs say which).
	ErrUpgradeRefused = wsspec.ErrUpgradeRefused
)

// EnableDialDiagnostics makes Dial in the browser say why a WebSocket
// never opened where the page can know (ErrMixedContent,
// ErrBlockedByCSP). It costs no request and no time; it is opt-in because
// every page that links it downloads about 1.5 KB more. Natively it does
// nothing. See wasm.EnableDialDiagnostics.
func EnableDialDiagnostics() { enableDialDiagnostics() }

// EnableDialProbe does what EnableDialDiagnostics does, and after a
// WebSocket fails without opening in the browser, sends one HTTP request
// (HEAD, no credentials) to the URL's host and port to tell
// ErrUnreachable from ErrUpgradeRefused. It is off unless called: every
// failed dial then costs the server one more request, and Dial waits up
// to 3 s more for its answer. Natively it does nothing: a native
// *DialError has the HTTP status or the network's error already. See
// wasm.EnableDialProbe, and docs/platforms.md.
func EnableDialProbe() { enableDialProbe() }
