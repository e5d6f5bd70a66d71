//go:build js && wasm

package redact_test

import (
	"strings"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/jsbridge"
)

// TestURLAsBrowsersRead: what the browser's own URL parser (the one the
// WebSocket constructor uses) reads as user info, a query value or the
// fragment never reaches the output, resolved against a page as a
// relative URL would be.
func TestURLAsBrowsersRead(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, tt := range tests {
		u, err := jsbridge.New(js.Global().Get("URL"), tt.in, "http://page.example/dir/")
		if err != nil {
			continue // the browser refuses it; the table says what is masked
		}
		get := func(k string) string { return u.Get(k).String() }
		hidden := []string{get("username"), get("password"), get("hash")}
		kept := []string{get("protocol"), get("host"), get("pathname")}
		for param := range strings.SplitSeq(strings.TrimPrefix(get("search"), "?"), "&") {
			key, value, ok := strings.Cut(param, "=")
			if !ok {
				hidden = append(hidden, param)
				continue
			}
			kept = append(kept, key)
			hidden = append(hidden, value)
		}
		if !strings.Contains(strings.Join(hidden, " "), secret) || strings.Contains(strings.Join(kept, " "), secret) {
			continue
		}
		assert.NotContains(t, redact.URL(tt.in), secret, "%s: URL(%q); the browser reads %v", tt.name, tt.in, hidden)
		checked++
	}
	t.Logf("%d of %d inputs hide a secret as the browser reads them", checked, len(tests))
	assert.Greater(t, checked, len(tests)/2, "inputs checked")
}
