//go:build js && wasm

package wasm

import (
	"context"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/jsbridge"
)

// probeTimeout bounds the probe, within Dial's own ctx.
const probeTimeout = 3 * time.Second

// probeGrace is how long a probe whose request failed waits for the
// securitypolicyviolation event that says the page's policy refused it:
// Chromium 156 fires it after fetch has rejected, and before a zero-delay
// timer (measured: 40 times in 40).
const probeGrace = 20 * time.Millisecond

// EnableDialProbe makes Dial find out more when a WebSocket fails without
// opening (close 1006, all that browsers tell a page about a refused
// handshake, a closed port, a failed DNS lookup or TLS handshake): it
// then sends one HTTP request to the URL's host and port and puts the
// answer in the *DialError: ErrUpgradeRefused if a server answered (it is
// there, and refused the WebSocket), ErrUnreachable if nothing did.
//
// It is off unless a program calls this, because the request is not
// free:
//   - every failed dial costs the server one more request, and a program
//     that redials (package reconnect) sends them on every attempt: to a
//     server that counts requests, rate-limits or bans by address, or
//     logs them, the probe doubles what a failing client sends;
//   - a page's Content Security Policy may allow the wss:// URL and not
//     its https:// twin: the browser then refuses the probe, logs it and
//     sends a violation report to the policy's report-uri on every
//     failed dial (the probe sees the refusal, and says nothing);
//   - it waits for the answer, up to 3 s within Dial's ctx, before Dial
//     returns.
//
// The request is made to give away as little as it can: HEAD of the
// origin's root ("/"), never the WebSocket's path, query or user info; no
// cookies or HTTP credentials, no Referer, nothing cached; in no-cors
// mode, so no server needs to allow it and the page reads nothing of the
// answer but that it came (redirects are followed, as no-cors requires).
// A request that ctx or the 3 s ends, or that the page's policy refuses,
// is aborted and adds nothing to the error.
//
// Call it once, before dialing: in a program's development build, say.
// It is safe to call more than once and from any goroutine.
func EnableDialProbe() {
	f := probeHTTP
	prober.Store(&f)
}

// prober is probeHTTP once EnableDialProbe has been called. Until then
// nothing refers to probeHTTP, and the linker leaves it out of the
// program: about 7.7 KB of gzipped wasm (with the jsbridge.Await and
// Listen it brings) that a page which does not ask for it never
// downloads.
var prober atomic.Pointer[func(ctx context.Context, url, closed string, ce *CloseError) error]

// probeHTTP asks whether anything answers HTTP where wsURL points, after
// its WebSocket ended without opening (ce; closed says so): an error with
// ErrUpgradeRefused or ErrUnreachable, and ce, in its chain, or nil if it
// cannot tell.
func probeHTTP(ctx context.Context, wsURL, closed string, ce *CloseError) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	u, err := jsbridge.New(js.Global().Get("URL"), wsURL)
	if err != nil {
		return nil
	}
	scheme := "http:"
	if u.Get("protocol").String() == "wss:" {
		scheme = "https:"
	}
	target := scheme + "//" + u.Get("host").String() + "/"

	// A request the page's policy refuses fails as if nothing answered:
	// only the event tells the two apart.
	refused := make(chan struct{}, 1)
	release, err := jsbridge.Listen(js.Global(), "securitypolicyviolation", func(e js.Value) {
		if e.Get("blockedURI").String() == target {
			select {
			case refused <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		return nil
	}
	defer release()
	abort, err := jsbridge.New(js.Global().Get("AbortController"))
	if err != nil {
		return nil
	}
	p, err := jsbridge.Call(js.Global(), "fetch", target, map[string]any{
		"method":         "HEAD",
		"mode":           "no-cors",
		"credentials":    "omit",
		"cache":          "no-store",
		"referrerPolicy": "no-referrer",
		"signal":         abort.Get("signal"),
	})
	if err != nil {
		return nil
	}
	_, err = jsbridge.Await(ctx, p)
	if ctx.Err() != nil {
		_, _ = jsbridge.Call(abort, "abort")
		return nil
	}
	if err == nil {
		return errs.Join(closed+", but a server answers HTTP at "+target+
			", so it refused the handshake (browsers hide why: an HTTP error status such as 401, 403 or 404, "+
			"a redirect, or none of the offered subprotocols)", ErrUpgradeRefused, ce)
	}
	grace := time.NewTimer(probeGrace)
	defer grace.Stop()
	select {
	case <-refused:
		return nil
	case <-ctx.Done():
		return nil
	case <-grace.C:
	}
	return errs.Join(closed+", and nothing answers HTTP at "+target+
		" either: nothing listens there, the name does not resolve, TLS failed, or something on the way refused", ErrUnreachable, ce)
}
