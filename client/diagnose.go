package client

import "github.com/duplex-go/duplex/internal/ws"

// Why a WebSocket never opened in the browser, where the page can know
// more than the close 1006 that browsers report for every failed
// handshake: a *DialError holds one of these in its chain (errors.Is).
// They are package wasm's values too. Natively none is ever returned: a
// failed handshake there carries the HTTP status or the network's error
// itself. They are constants: a program that never looks for them does
// not link them.
var (
	// ErrMixedContent: the page was loaded over https and the URL is
	// ws://, which browsers refuse before connecting. Use wss://. On by
	// default: see wasm.ErrMixedContent.
	ErrMixedContent = ws.ErrMixedContent
	// ErrBlockedByCSP: the page's Content Security Policy does not allow
	// the URL (connect-src), and the browser refused before connecting.
	// On by default.
	ErrBlockedByCSP = ws.ErrBlockedByCSP
	// ErrUnreachable: with EnableDialProbe, an HTTP request to the URL's
	// host and port failed too: nothing listens there, the name did not
	// resolve, TLS failed, or something on the way refused it.
	ErrUnreachable = ws.ErrUnreachable
	// ErrUpgradeRefused: with EnableDialProbe, a server answered an HTTP
	// request to the URL's host and port: it is there, and refused the
	// handshake (an HTTP error status, a redirect, or none of the offered
	// subprotocols; its logs say which).
	ErrUpgradeRefused = ws.ErrUpgradeRefused
)

// EnableDialProbe makes Dial in the browser, after a WebSocket fails
// without opening, send one HTTP request (HEAD of the origin's root, no
// credentials) to the URL's host and port, to tell ErrUnreachable from
// ErrUpgradeRefused. It is off unless called: every failed dial then
// costs the server one more request, and Dial waits up to 3 s more for
// its answer. Natively it does nothing: a native *DialError has the HTTP
// status or the network's error already. See wasm.EnableDialProbe, and
// docs/platforms.md.
func EnableDialProbe() { enableDialProbe() }
