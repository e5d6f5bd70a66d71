//go:build js && wasm

// Command diagpage is the page that internal/e2e/diagnose's test loads
// in Chrome, served with the headers a case needs (over https, with a
// Content Security Policy): it dials once, as the page's query says, and
// leaves what it got in globalThis.diagResult, as JSON.
//
// The query: url (what to dial), api (wasm, client, or reconnect: a
// reconnect.Dial that gives up after 3 failures in a row), transport
// (websocket or stream), fallback (1: call EnableCSPFallback, for a page
// whose policy forbids 'unsafe-eval'), probe (wasm or client: call that
// package's EnableDialProbe).
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
	"github.com/duplex-go/duplex/reconnect"
	"github.com/duplex-go/duplex/wasm"
)

// Result is what the page reports. Each errors.Is and errors.As holds
// with package client's name and package wasm's alike (both are one
// declaration), whichever package dialled.
type Result struct {
	Error       string
	DialError   bool   // a *client.DialError, which is a *wasm.DialError
	CloseError  bool   // a *client.CloseError in the chain: the socket's close event
	Mixed       bool   // errors.Is ErrMixedContent
	CSP         bool   // errors.Is ErrBlockedByCSP
	Unreachable bool   // errors.Is ErrUnreachable
	Refused     bool   // errors.Is ErrUpgradeRefused
	Deadline    bool   // errors.Is context.DeadlineExceeded
	Funcs       int    // js.Funcs not released once Dial has returned
	Goroutines  [2]int // before Dial, and once it has returned
}

func main() {
	q, _ := url.ParseQuery(js.Global().Get("location").Get("search").String()[1:])
	switch q.Get("probe") {
	case "wasm":
		wasm.EnableDialProbe()
	case "client":
		client.EnableDialProbe()
	}
	if q.Get("fallback") == "1" {
		wasm.EnableCSPFallback()
	}
	// Long enough that a Dial which waits for its timeout shows as one.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var r Result
	// Go's runtime starts a goroutine for calls from JavaScript at the
	// first one: make it before counting.
	if _, err := jsbridge.Await(ctx, js.Global().Get("Promise").Call("resolve")); err != nil {
		panic(err)
	}
	r.Goroutines[0] = runtime.NumGoroutine()
	var err error
	switch q.Get("api") {
	case "reconnect":
		var c *reconnect.Conn
		if c, err = reconnect.Dial(ctx, q.Get("url"), &reconnect.Options{
			Dial:        client.Options{HandshakeTimeout: 15 * time.Second},
			Backoff:     reconnect.Constant(10 * time.Millisecond),
			GiveUpAfter: 3,
		}); err == nil {
			_ = c.Close(client.StatusNormalClosure, "")
		}
	case "client":
		o := &client.Options{HandshakeTimeout: 15 * time.Second}
		if q.Get("transport") == "stream" {
			o.Transport = client.TransportStream
		}
		var c *client.Conn
		if c, err = client.Dial(ctx, q.Get("url"), o); err == nil {
			_ = c.CloseNow()
		}
	default:
		o := &wasm.Options{HandshakeTimeout: 15 * time.Second}
		if q.Get("transport") == "stream" {
			o.Transport = wasm.TransportStream
		}
		var c *wasm.Conn
		if c, err = wasm.Dial(ctx, q.Get("url"), o); err == nil {
			_ = c.Close(wasm.StatusNormalClosure, "")
		}
	}
	if err != nil {
		r.Error = err.Error()
	}
	_, cd := errors.AsType[*client.DialError](err)
	_, wd := errors.AsType[*wasm.DialError](err)
	r.DialError = cd && wd
	_, cc := errors.AsType[*client.CloseError](err)
	_, wc := errors.AsType[*wasm.CloseError](err)
	r.CloseError = cc && wc
	r.Mixed = errors.Is(err, client.ErrMixedContent) && errors.Is(err, wasm.ErrMixedContent)
	r.CSP = errors.Is(err, client.ErrBlockedByCSP) && errors.Is(err, wasm.ErrBlockedByCSP)
	r.Unreachable = errors.Is(err, client.ErrUnreachable) && errors.Is(err, wasm.ErrUnreachable)
	r.Refused = errors.Is(err, client.ErrUpgradeRefused) && errors.Is(err, wasm.ErrUpgradeRefused)
	r.Deadline = errors.Is(err, context.DeadlineExceeded)
	// What Dial started may take a moment to end (as TestMain's leak
	// checks allow): up to 2 s.
	for range 200 {
		r.Funcs = jsbridge.LiveFuncs()
		r.Goroutines[1] = runtime.NumGoroutine()
		if r.Funcs == 0 && r.Goroutines[1] <= r.Goroutines[0] {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, _ := json.Marshal(r)
	js.Global().Set("diagResult", string(out))
}
