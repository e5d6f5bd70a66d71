//go:build js && wasm

package wasm

import (
	"errors"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

// resolveURL checks a WebSocket URL in Go before the WebSocket constructor
// sees it: ws and wss pass; http and https become ws and wss (by parsing,
// not by replacing text); a relative URL is resolved against the page's
// location. Everything else is an error naming the URL (credentials
// masked: see DialError). It parses with the
// browser's own URL, the parser the constructor uses, so the two never
// disagree, and net/url (about 130 KB gzipped) stays out of the page.
func resolveURL(pre, raw string) (string, error) {
	fail := func(err error) (string, error) {
		return "", errs.Wrap(pre+"dial "+wsspec.Quote(redact.URL(raw)), err)
	}
	args := []any{raw}
	if loc := js.Global().Get("location"); loc.Type() == js.TypeObject {
		args = append(args, loc.Get("href"))
	}
	u, err := jsbridge.New(js.Global().Get("URL"), args...)
	if err != nil {
		if len(args) == 1 && !wsspec.Contains(raw, ":") {
			return fail(errors.New("a relative URL needs a page location to resolve against"))
		}
		return fail(err)
	}
	scheme, err := wsspec.CheckURL(wsspec.TrimSuffix(u.Get("protocol").String(), ":"), u.Get("host").String(), raw)
	if err != nil {
		return fail(err)
	}
	u.Set("protocol", scheme+":")
	return u.Get("href").String(), nil
}
