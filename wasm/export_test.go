//go:build js && wasm

package wasm

import (
	"sync"
	"syscall/js"
)

// SetForceFallback makes Dial use the Go backend, as on a page whose CSP
// forbids eval; it returns the previous setting.
func SetForceFallback(v bool) bool {
	if v {
		EnableCSPFallback()
	}
	old := forceFallback
	forceFallback = v
	return old
}

// UsesShim reports whether c runs on the JavaScript shim.
func UsesShim(c *Conn) bool { _, ok := c.b.(*shimSock); return ok }

// QueuedBytes returns the bytes the backend holds for c: received and not
// yet read.
func QueuedBytes(c *Conn) int64 {
	switch b := c.b.(type) {
	case *shimSock:
		return int64(b.s.Get("queued").Float())
	case *goSock:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.queued
	}
	return -1
}

// ResetShim forgets the built shim, so the next Dial builds it again.
func ResetShim() {
	shimOnce = sync.Once{}
	shimLib = js.Undefined()
}

// DisableCSPFallback undoes EnableCSPFallback until the test ends.
func DisableCSPFallback(t interface{ Cleanup(func()) }) {
	old := dialFallback.Swap(nil)
	t.Cleanup(func() { dialFallback.Store(old) })
}
