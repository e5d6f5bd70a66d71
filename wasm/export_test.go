//go:build js && wasm

package wasm

import (
	"sync"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/wsspec"
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

// SetForceFunc makes Dial use the shim without the export, as where the
// page's Go instance cannot be found; it returns the previous setting.
func SetForceFunc(v bool) bool {
	old := forceFunc
	forceFunc = v
	return old
}

// SetEnterHook makes exportEnter call f first; nil removes it.
func SetEnterHook(f func()) { enterHook = f }

// Registered returns how many Conns the export path knows by id.
func Registered() int {
	n := 0
	for _, c := range conns {
		if c != nil {
			n++
		}
	}
	return n
}

// Entries returns how many calls of the export have completed.
func Entries() int { return int(entryBox.done) }

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

// Held reports whether a WebSocketStream Conn holds a message back from
// its receive queue because the queue is full (and so stopped reading).
func Held(c *Conn) bool {
	b, ok := c.b.(*shimSock)
	return ok && !b.s.Get("held").IsUndefined()
}

// Buffers returns the capacity of c's Go-side receive buffer and the
// lengths of the shim's receive and send buffers (-1 without the shim).
func Buffers(c *Conn) (goRead, jsRead, jsWrite int) {
	goRead, jsRead, jsWrite = cap(c.rbuf), -1, -1
	if b, ok := c.b.(*shimSock); ok {
		if r := b.s.Get("rbuf"); !r.IsNull() {
			jsRead = r.Length()
		}
		jsWrite = b.s.Get("wbuf").Length()
	}
	if g, ok := c.b.(*goSock); ok {
		g.mu.Lock()
		jsWrite = g.scratchLen
		g.mu.Unlock()
	}
	return goRead, jsRead, jsWrite
}

// FailQueueFull makes c's backend close for a full queue at once, as a
// message that would pass the limit does, so that a test can call c in
// the moment before the browser's close event.
func FailQueueFull(c *Conn) {
	switch b := c.b.(type) {
	case *shimSock:
		b.s.Call("_fail", "queuefull", 1, 4008, "receive queue full")
	case *goSock:
		b.mu.Lock()
		bits := b.failLocked("queuefull", 1, 4008, wsspec.ReasonQueueFull)
		b.mu.Unlock()
		b.notify(bits)
	}
}

// ReceiveQueueLimit returns c's receive-queue limit as Conn holds it and as the
// backend enforces it.
func ReceiveQueueLimit(c *Conn) (conn, backend int64) {
	c.mu.Lock()
	conn = c.opts.ReceiveQueueLimit
	c.mu.Unlock()
	switch b := c.b.(type) {
	case *shimSock:
		backend = int64(b.s.Get("queueLimit").Float())
	case *goSock:
		b.mu.Lock()
		backend = b.queueLimit
		b.mu.Unlock()
	}
	return conn, backend
}

// ReadWaiting reports whether a Read of c waits for a message: the backend
// has been asked to wake it.
func ReadWaiting(c *Conn) bool {
	switch b := c.b.(type) {
	case *shimSock:
		return b.s.Get("readArmed").Bool()
	case *goSock:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.readArmed
	}
	return false
}

// WriteWaiting reports whether a Write of c waits for BufferedAmount to
// fall: the backend has been asked to wake it.
func WriteWaiting(c *Conn) bool {
	switch b := c.b.(type) {
	case *shimSock:
		return b.s.Get("writeArmed").Bool()
	case *goSock:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.poller != nil
	}
	return false
}

// QueueEntryBytes is what a received message counts against the queue
// limit beside its bytes.
const QueueEntryBytes = queueEntryBytes
