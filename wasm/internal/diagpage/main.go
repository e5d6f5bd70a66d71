//go:build js && wasm

// Command diagpage is the page that wasm/diagnose_notjs_test.go loads in
// Chrome, served with the headers a case needs (over https, with a
// Content Security Policy): it dials once, as the page's query says, and
// leaves what it got in globalThis.diagResult, as JSON.
//
// The query: url (what to dial), api (wasm or client), transport
// (websocket or stream), fallback (1: call EnableCSPFallback, for a page
// whose policy forbids 'unsafe-eval'), diag (diag: EnableDialDiagnostics;
// probe: EnableDialProbe; else neither).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"runtime"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

// Result is what the page reports.
type Result struct {
	Error       string
	DialError   bool // a *wasm.DialError or *client.DialError
	Mixed       bool // errors.Is ErrMixedContent
	CSP         bool // errors.Is ErrBlockedByCSP
	Unreachable bool
	Refused     bool // errors.Is ErrUpgradeRefused
	Deadline    bool // errors.Is context.DeadlineExceeded
	Funcs       int  // js.Funcs not released once Dial has returned
	Goroutines  [2]int
}

func main() {
	q, _ := url.ParseQuery(js.Global().Get("location").Get("search").String()[1:])
	switch q.Get("diag") {
	case "diag":
		wasm.EnableDialDiagnostics()
	case "probe":
		client.EnableDialProbe() // the same as wasm's
	}
	if q.Get("fallback") == "1" {
		wasm.EnableCSPFallback()
	}
	// Long enough that a Dial which waits for its timeout shows as one.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var r Result
	r.Goroutines[0] = runtime.NumGoroutine()
	var err error
	if q.Get("api") == "client" {
		o := &client.Options{HandshakeTimeout: 15 * time.Second}
		if q.Get("transport") == "stream" {
			o.Transport = client.TransportStream
		}
		var c *client.Conn
		if c, err = client.Dial(ctx, q.Get("url"), o); err == nil {
			c.CloseNow()
		}
		_, r.DialError = errors.AsType[*client.DialError](err)
		r.Mixed = errors.Is(err, client.ErrMixedContent)
		r.CSP = errors.Is(err, client.ErrBlockedByCSP)
		r.Unreachable = errors.Is(err, client.ErrUnreachable)
		r.Refused = errors.Is(err, client.ErrUpgradeRefused)
	} else {
		o := &wasm.Options{HandshakeTimeout: 15 * time.Second}
		if q.Get("transport") == "stream" {
			o.Transport = wasm.TransportStream
		}
		var c *wasm.Conn
		if c, err = wasm.Dial(ctx, q.Get("url"), o); err == nil {
			_, _ = c.Close(ctx, 1000, "")
		}
		_, r.DialError = errors.AsType[*wasm.DialError](err)
		r.Mixed = errors.Is(err, wasm.ErrMixedContent)
		r.CSP = errors.Is(err, wasm.ErrBlockedByCSP)
		r.Unreachable = errors.Is(err, wasm.ErrUnreachable)
		r.Refused = errors.Is(err, wasm.ErrUpgradeRefused)
	}
	if err != nil {
		r.Error = err.Error()
	}
	r.Deadline = errors.Is(err, context.DeadlineExceeded)
	r.Funcs = jsbridge.LiveFuncs()
	r.Goroutines[1] = runtime.NumGoroutine()
	out, _ := json.Marshal(r)
	js.Global().Set("diagResult", string(out))
}
