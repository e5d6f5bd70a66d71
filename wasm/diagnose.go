//go:build js && wasm

package wasm

import (
	"context"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/jsbridge"
)

// Why a WebSocket never opened, where the page can know more than the
// close 1006 that browsers report for every failed handshake: a
// *DialError holds one of these in its chain (errors.Is). They are
// package client's values too (client.ErrMixedContent is
// ErrMixedContent), so errors.Is holds whichever package returned the
// error. They are constants: a program that never looks for them does
// not link them.
var (
	// ErrMixedContent: the page was loaded over https and the URL is
	// ws://, and the browser refused before connecting (its constructor
	// threw a SecurityError). Use wss://. The
	// browser decides, not Dial: Chromium allows ws:// to the page's own
	// machine (localhost, 127.0.0.1) from https, and Dial then connects. A
	// page whose Content Security Policy says upgrade-insecure-requests
	// has ws:// turned into wss:// instead, and never gets this error.
	ErrMixedContent = ws.ErrMixedContent

	// ErrBlockedByCSP: the page's Content Security Policy does not allow
	// the URL (its connect-src directive, or default-src where it has
	// none), and the browser refused before connecting. The error names
	// the directive that the browser's securitypolicyviolation event
	// names.
	ErrBlockedByCSP = ws.ErrBlockedByCSP

	// ErrUnreachable: after the WebSocket failed, an HTTP request to the
	// URL's host and port failed too: nothing listens there, the name did
	// not resolve, TLS failed (a certificate the browser does not trust),
	// or something on the way (a firewall, a proxy, a browser extension)
	// refused it. Only with EnableDialProbe.
	ErrUnreachable = ws.ErrUnreachable

	// ErrUpgradeRefused: after the WebSocket failed, an HTTP request to
	// the URL's host and port was answered: a server is there and refused
	// the handshake (an HTTP error status such as 401, 403 or 404, a
	// redirect, or none of the offered subprotocols). Its logs say which.
	// Only with EnableDialProbe.
	ErrUpgradeRefused = ws.ErrUpgradeRefused
)

// How Chromium 156 reports each cause, measured: mixed content throws a
// SecurityError from the constructor (mixedContent); a Content Security
// Policy does not throw, and the socket ends once the
// securitypolicyviolation event has named the directive (shim.js and
// fallback.go: watch; backend.refusedBy); a refused handshake, a closed port, a
// failed DNS lookup or TLS handshake all end as close 1006 with nothing
// more, which only the probe (probe.go) tells apart.

// mixedContent is the cause of thrown, what the browser's constructor
// threw for url, if it is mixed content; else nil.
func mixedContent(url string, thrown error) error {
	je, ok := thrown.(*jsbridge.Error)
	if !ok || je.Name != "SecurityError" || url[:3] != "ws:" { // url is resolved: ws: or wss:
		return nil
	}
	if loc := js.Global().Get("location"); loc.Type() != js.TypeObject || loc.Get("protocol").String() != "https:" {
		return nil
	}
	return errs.Msg("the page was loaded over https, and browsers refuse a ws:// WebSocket from such a page "+
		"(mixed content): use wss://", ErrMixedContent)
}

// neverOpened is the cause in the *DialError of c's WebSocket, which
// ended without opening (the close event ce): why, where the page can
// tell, else what little is known. ctx bounds the probe.
func (c *Conn) neverOpened(ctx context.Context, ce *CloseError) error {
	if p := c.b.refusedBy(); p != "" {
		// Nothing was sent, and no close event came: no *CloseError.
		return errs.Msg("the browser refused before connecting: the page's Content Security Policy does not allow this URL ("+
			p+")", ErrBlockedByCSP)
	}
	closed := "the WebSocket never opened: " + ws.CloseText(ce)
	if p := prober.Load(); p != nil {
		if err := (*p)(ctx, c.url, closed, ce); err != nil {
			return err
		}
	}
	alike := "a refused connection, an HTTP error status, a redirect and a TLS failure look alike"
	if len(c.opts.Subprotocols) > 0 {
		alike += ", and so does an answer that selects none of the offered subprotocols"
	}
	return errs.Msg(closed+"; browsers do not tell pages why ("+alike+")", ce)
}
