//go:build js && wasm

package wasm

import (
	"fmt"
	"net/url"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/wsspec"
)

// resolveURL checks a WebSocket URL in Go before the browser sees it:
// ws and wss pass; http and https become ws and wss (by parsing, not by
// replacing text); a relative URL is resolved against the page's location.
// Everything else is an error naming the URL.
func resolveURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("wasm: dial %q: %w", raw, err)
	}
	if !u.IsAbs() {
		loc := js.Global().Get("location")
		if loc.Type() != js.TypeObject {
			return "", fmt.Errorf("wasm: dial %q: a relative URL needs a page location to resolve against", raw)
		}
		base, err := url.Parse(loc.Get("href").String())
		if err != nil {
			return "", fmt.Errorf("wasm: dial %q: %w", raw, err)
		}
		u = base.ResolveReference(u)
	}
	if err := wsspec.CheckURL(u, raw); err != nil {
		return "", fmt.Errorf("wasm: dial %q: %w", raw, err)
	}
	return u.String(), nil
}
