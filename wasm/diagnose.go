//go:build js && wasm

package wasm

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

// Why a WebSocket never opened, where the page can know more than the
// browser's close 1006: with EnableDialDiagnostics, a *DialError holds
// one of these in the chain of its Err. They are package client's too
// (client.ErrMixedContent is ErrMixedContent), so errors.Is holds
// whichever package returned the error. They are constants: a program
// that never looks for them does not link them.
const (
	// ErrMixedContent: the page was loaded over https and the URL is
	// ws://, and the browser refused before connecting (Chromium throws a
	// SecurityError; it allows ws:// to the page's own machine, localhost
	// and 127.0.0.1). Use wss://. A page whose Content Security Policy says
	// upgrade-insecure-requests has ws:// turned into wss:// instead, and
	// never gets this error.
	ErrMixedContent = wsspec.ErrMixedContent

	// ErrBlockedByCSP: the page's Content Security Policy does not allow
	// the URL (its connect-src directive, or default-src where it has
	// none), and the browser refused before connecting. The error names
	// the directive the browser's securitypolicyviolation event names.
	ErrBlockedByCSP = wsspec.ErrBlockedByCSP

	// ErrUnreachable: after the WebSocket failed, an HTTP request to the
	// URL's host and port failed too: nothing listens there, the name did
	// not resolve, TLS failed (a certificate the browser does not trust),
	// or something on the way (a firewall, a proxy, a browser extension)
	// refused it. Only with EnableDialProbe.
	ErrUnreachable = wsspec.ErrUnreachable

	// ErrUpgradeRefused: after the WebSocket failed, an HTTP request to
	// the URL's host and port was answered: a server is there and refused
	// the handshake (an HTTP error status such as 401, 403 or 404, a
	// redirect, or none of the offered subprotocols). Its logs say which.
	// Only with EnableDialProbe.
	ErrUpgradeRefused = wsspec.ErrUpgradeRefused
)

// diagnoser is diagnoseDial once EnableDialDiagnostics has been called
// (diagnosing says so), and prober probeHTTP once EnableDialProbe has.
// Until then nothing refers to either, and the linker leaves them out of
// the program: about 1.5 and 2 KB gzipped that a page which does not ask
// for them never downloads.
var (
	diagnoser     func(ctx context.Context, url string, thrown error, b backend) error
	diagnosing    atomic.Bool
	diagnoserOnce sync.Once
	prober        atomic.Pointer[func(ctx context.Context, url string) error]
)

// EnableDialDiagnostics makes a *DialError say why the WebSocket never
// opened where the page can know: ErrMixedContent or ErrBlockedByCSP in
// the chain of its Err, with text that says what to change. It costs no
// request and no time; it is opt-in because every page that links it
// downloads about 1.5 KB more. EnableDialProbe goes further.
//
// Call it once, before dialing: in a program's development build, say.
// It is safe to call more than once and from any goroutine.
func EnableDialDiagnostics() {
	diagnoserOnce.Do(func() {
		diagnoser = diagnoseDial
		diagnosing.Store(true)
	})
}

// neverOpened is DialError.Err for c's socket, which ended (e) without
// opening: why, where diagnose can tell, else what little is known.
func (c *Conn) neverOpened(ctx context.Context, e end) error {
	if err := c.diagnose(ctx, nil); err != nil {
		return err
	}
	alike := "a refused connection, an HTTP error status, a redirect and a TLS failure look alike"
	if len(c.opts.Protocols) > 0 {
		alike += ", and so does an answer that selects none of the offered subprotocols"
	}
	return errors.New("the WebSocket never opened (close " + strconv.Itoa(e.code) + "); browsers do not tell pages why (" + alike + ")")
}

// diagnose is why c's dial failed, for DialError.Err: thrown is what the
// browser's constructor threw, or nil if the socket (c.b) ended without
// opening. nil unless EnableDialDiagnostics was called, or if nothing
// more is known. ctx bounds the probe.
func (c *Conn) diagnose(ctx context.Context, thrown error) error {
	if diagnosing.Load() {
		return diagnoser(ctx, c.url, thrown, c.b)
	}
	return nil
}

// diagnoseDial is diagnose once enabled. How Chromium 156 reports each
// cause, measured: mixed content throws a SecurityError from the
// constructor; a Content Security Policy does not throw, and the socket
// ends once the securitypolicyviolation event has named the directive
// (shim.js and fallback.go: watch); a refused handshake, a closed port, a
// failed DNS lookup or TLS handshake all end as close 1006 with nothing
// more, which only the probe tells apart.
func diagnoseDial(ctx context.Context, url string, thrown error, b backend) error {
	if thrown != nil {
		if je, ok := thrown.(*jsbridge.Error); ok && je.Name == "SecurityError" &&
			len(url) > 3 && url[:3] == "ws:" && pageScheme() == "https:" {
			return errs.Join("the page was loaded over https, and browsers refuse a ws:// WebSocket from such a page "+
				"(mixed content): use wss://", ErrMixedContent, thrown)
		}
		return nil
	}
	if p := refusedBy(b); p != "" {
		return errs.Msg("the browser refused before connecting: the page's Content Security Policy does not allow this URL ("+
			p+")", ErrBlockedByCSP)
	}
	if p := prober.Load(); p != nil {
		return (*p)(ctx, url)
	}
	return nil
}

// refusedBy is the directive of the page's Content Security Policy that
// refused b's URL, or "".
func refusedBy(b backend) string {
	switch b := b.(type) {
	case *shimSock:
		if p := b.s.Get("policy"); p.Type() == js.TypeString {
			return p.String()
		}
	case *goSock:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.policy
	}
	return ""
}

// pageScheme is the page's (or worker's) location.protocol, such as
// "https:"; "" if it has no location.
func pageScheme() string {
	loc := js.Global().Get("location")
	if loc.Type() != js.TypeObject {
		return ""
	}
	return loc.Get("protocol").String()
}
