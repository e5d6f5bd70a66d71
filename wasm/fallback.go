//go:build js && wasm

package wasm

import (
	"context"
	"errors"
	"sync"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

var (
	uint8Array  = js.Global().Get("Uint8Array")
	blobCtor    = js.Global().Get("Blob")
	objectCtor  = js.Global().Get("Object")
	textEncoder js.Value // made on first use
)

// goSock is the backend for pages that forbid building the JavaScript shim:
// the classic WebSocket with a Go listener per event. It keeps the shim's
// contract (limits checked before bytes reach Go, order, one final notify)
// at the cost of one call into Go per message, and reads Blobs one at a
// time in Read.
type goSock struct {
	ws         js.Value
	notify     func(bits int)
	readLimit  int64
	queueLimit int64

	mu         sync.Mutex
	releases   []func()
	q          []queued
	queued     int64 // bytes in q, or packed by fill and not yet returned by Read, and queueEntryBytes each
	readArmed  bool
	failKind   string
	failSize   int64
	failLimit  int64
	opened     bool
	end        *end
	scratch    js.Value
	scratchLen int
	poller     chan struct{} // closed to stop the write poller
	low        int64
	stopped    bool   // detached
	unwatch    func() // see watch
	policy     string // see watch
}

// queued is a received message: a Uint8Array (text encoded in UTF-8) or
// a Blob, of n bytes.
type queued struct {
	v    js.Value
	n    int64
	text bool
	blob bool
}

func (g *goSock) setLimits(read, queue int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.readLimit, g.queueLimit = read, queue
}

func newGoSock(url string, protocols []any, binaryType BinaryType, readLimit, queueLimit int64, notify func(int)) (backend, error) {
	ws, err := jsbridge.New(js.Global().Get("WebSocket"), url, protocols)
	if err != nil {
		return nil, err
	}
	ws.Set("binaryType", binaryType.String())
	g := &goSock{ws: ws, notify: notify, readLimit: readLimit, queueLimit: queueLimit}
	for event, fn := range map[string]func(js.Value){
		"open":    g.onOpen,
		"message": g.onMessage,
		"close":   g.onClose,
	} {
		release, err := jsbridge.Listen(ws, event, fn)
		if err != nil {
			g.detach()
			_ = jsbridge.Try(func() { ws.Call("close") })
			return nil, err
		}
		g.releases = append(g.releases, release)
	}
	g.watch()
	return g, nil
}

// watch is shim.js's _watch in Go (change both): until the socket opens
// or closes it listens for the securitypolicyviolation event of a Content
// Security Policy that does not allow the URL, and ends the socket when
// it comes, with the directive it names in policy. Chromium 156 fires
// error and never close for such a socket: without the event, Dial would
// wait for its timeout. Where there is no such event (a global scope
// without addEventListener: not a page or a worker) it does nothing.
func (g *goSock) watch() {
	u, err := jsbridge.New(js.Global().Get("URL"), g.ws.Get("url"))
	if err != nil {
		return
	}
	u.Set("username", "") // the event's blockedURI has none
	u.Set("password", "")
	want := u.Get("href").String()
	release, err := jsbridge.Listen(js.Global(), "securitypolicyviolation", func(e js.Value) {
		if e.Get("blockedURI").String() == want && e.Get("disposition").String() == "enforce" {
			g.mu.Lock()
			g.policy = e.Get("violatedDirective").String()
			g.mu.Unlock()
			g.ended(end{code: 1006})
		}
	})
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.unwatch = release
	g.releases = append(g.releases, release)
}

func (g *goSock) onOpen(js.Value) {
	g.mu.Lock()
	g.opened = true
	unwatch := g.unwatch
	g.mu.Unlock()
	if unwatch != nil {
		unwatch()
	}
	g.notify(1)
}

// onMessage counts a message and checks it against the limits before any
// of it reaches Go, then queues it or fails the socket: shim.js's _message
// and _admit in Go (failLocked is its _fail). Change both: the two drifted
// apart once, and the behaviour tests run on both backends.
func (g *goSock) onMessage(e js.Value) {
	d := e.Get("data")
	var n int64
	var text, blob bool
	switch {
	case d.Type() == js.TypeString:
		text = true
		// Over the read limit whatever its UTF-8 length (never shorter),
		// if its length in UTF-16 units is: its size is then known only
		// as at least that, a negative n (as in shim.js; syscall/js has
		// no Get on a string).
		if length := int64(objectCtor.Invoke(d).Get("length").Int()); g.readLimit >= 0 && length > g.readLimit {
			n = -length
			break
		}
		if textEncoder.IsUndefined() {
			textEncoder = js.Global().Get("TextEncoder").New()
		}
		d = textEncoder.Call("encode", d) // counted as Read returns it
		n = int64(d.Length())
	case d.InstanceOf(blobCtor):
		n = int64(d.Get("size").Float())
		blob = true
	default:
		d = uint8Array.New(d)
		n = int64(d.Length())
	}
	g.mu.Lock()
	if g.failKind != "" || g.end != nil {
		g.mu.Unlock()
		return
	}
	wake := 0
	switch {
	case g.readLimit >= 0 && (n < 0 || n > g.readLimit):
		wake = g.failLocked("toobig", n, 4009, wsspec.ReasonTooBig)
	case g.queued > 0 && g.queued+n+queueEntryBytes > g.queueLimit:
		wake = g.failLocked("queuefull", n, 4008, wsspec.ReasonQueueFull)
	default:
		g.q = append(g.q, queued{v: d, n: n, text: text, blob: blob})
		g.queued += n + queueEntryBytes
		if g.readArmed {
			g.readArmed = false
			wake = 1
		}
	}
	g.mu.Unlock()
	if wake != 0 {
		g.notify(wake)
	}
}

// failLocked closes the socket for a limit, and returns the bits for
// notify (to call once g.mu is unlocked) that wake a Read and a Write
// that wait: they return the failure now, not when the peer answers the
// close, which it may never do. shim.js's _fail is the same in JavaScript:
// change both.
func (g *goSock) failLocked(kind string, size int64, code int, reason string) int {
	g.failKind, g.failSize, g.failLimit = kind, size, g.queueLimit
	if kind == "toobig" {
		g.failLimit = g.readLimit
	}
	_ = jsbridge.Try(func() { g.ws.Call("close", code, reason) })
	g.readArmed = false
	if g.poller != nil {
		close(g.poller)
		g.poller = nil
	}
	return 1 | 2
}

func (g *goSock) onClose(e js.Value) {
	g.ended(end{code: e.Get("code").Int(), reason: e.Get("reason").String(), wasClean: e.Get("wasClean").Bool()})
}

// ended records how the socket ended, once, and wakes everything.
func (g *goSock) ended(e end) {
	g.mu.Lock()
	if g.end != nil {
		g.mu.Unlock()
		return
	}
	e.opened = g.opened
	g.end = &e
	g.mu.Unlock()
	g.detach()
	g.notify(1 | 2 | 4)
}

func (g *goSock) fill(dst []byte, arm bool) ([]byte, fillStatus) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i, size := 0, 0
	for ; i < len(g.q) && !g.q[i].blob; i++ {
		e := g.q[i]
		kind := byte(kindBinary)
		if e.text {
			kind = kindText
		}
		if size+5+int(e.n) > batchBytes {
			if i > 0 {
				break
			}
			// Alone, in a slice of its own; Read returns it at once.
			p := make([]byte, e.n)
			js.CopyBytesToGo(p, e.v)
			g.q[0] = queued{}
			g.q = g.q[1:]
			g.queued -= e.n + queueEntryBytes
			if e.text {
				return p, fillText
			}
			return p, fillBinary
		}
		dst = append(dst, kind, 0, 0, 0, 0)
		putUint32LE(dst[len(dst)-4:], uint32(e.n))
		start := len(dst)
		dst = append(dst, make([]byte, e.n)...)
		js.CopyBytesToGo(dst[start:], e.v)
		size += 5 + int(e.n)
		g.q[i] = queued{}
	}
	g.q = append(g.q[:0], g.q[i:]...)
	switch {
	case i > 0:
		return dst, fillOK
	case len(g.q) > 0: // a Blob at the head
		return dst, fillBlob
	case g.end != nil || g.failKind != "":
		return dst, fillEnded
	}
	if arm {
		g.readArmed = true
	}
	return dst, fillEmpty
}

func (g *goSock) release(n int) {
	g.mu.Lock()
	g.queued -= int64(n) + queueEntryBytes
	g.mu.Unlock()
}

func (g *goSock) failure() (string, int64, int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failKind, g.failSize, g.failLimit
}

// readBlob reads the Blob at the head of the queue, for Read: the page's
// Blobs are read one at a time, in order. If ctx ends first, the Blob stays
// at the head.
func (g *goSock) readBlob(ctx context.Context) ([]byte, error) {
	g.mu.Lock()
	if len(g.q) == 0 || !g.q[0].blob {
		g.mu.Unlock()
		return nil, errors.New("no Blob to read")
	}
	e := g.q[0]
	g.mu.Unlock()
	p, err := jsbridge.BlobBytes(ctx, e.v)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.q[0] = queued{}
	g.q = g.q[1:]
	g.queued -= e.n + queueEntryBytes
	g.mu.Unlock()
	return p, nil
}

func (g *goSock) disarmRead() {
	g.mu.Lock()
	g.readArmed = false
	g.mu.Unlock()
}

func (g *goSock) closed() (end, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.end == nil {
		return end{}, false
	}
	return *g.end, true
}

func (g *goSock) readyState() ReadyState {
	g.mu.Lock()
	ended := g.end != nil
	g.mu.Unlock()
	if ended {
		return Closed
	}
	return ReadyState(g.ws.Get("readyState").Int())
}

func (g *goSock) refusedBy() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.policy
}

func (g *goSock) protocol() string   { return g.ws.Get("protocol").String() }
func (g *goSock) extensions() string { return g.ws.Get("extensions").String() }
func (g *goSock) buffered() int64    { return int64(g.ws.Get("bufferedAmount").Float()) }

// armWrite polls bufferedAmount, which has no event, from 1 ms doubling to
// 64 ms, in a goroutine that lives only while a write waits.
func (g *goSock) armWrite(low int64) bool {
	if g.writable(low) {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.poller != nil || g.stopped {
		return g.stopped
	}
	stop := make(chan struct{})
	g.poller, g.low = stop, low
	go func() {
		delay := time.Millisecond
		t := time.NewTimer(delay)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if g.writable(low) {
				g.mu.Lock()
				if g.poller == stop {
					g.poller = nil
				}
				g.mu.Unlock()
				g.notify(2)
				return
			}
			delay = min(2*delay, 64*time.Millisecond)
			t.Reset(delay)
		}
	}()
	return false
}

func (g *goSock) writable(low int64) bool {
	return g.readyState() != Open || g.buffered() < low
}

func (g *goSock) disarmWrite() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.poller != nil {
		close(g.poller)
		g.poller = nil
	}
}

func (g *goSock) send(kind int, p []byte, high int64) (sendStatus, error) {
	if g.readyState() != Open {
		return sendNotOpen, nil
	}
	if g.buffered() >= high {
		return sendFull, nil
	}
	err := jsbridge.Try(func() {
		if kind == kindText {
			g.ws.Call("send", string(p))
			return
		}
		if len(p) > wbufMax {
			// An array of its own, so that scratch keeps no such size.
			arr := uint8Array.New(len(p))
			js.CopyBytesToJS(arr, p)
			g.ws.Call("send", arr)
			return
		}
		if g.scratch.IsUndefined() || g.scratchLen < len(p) {
			g.scratchLen = min(max(len(p), 2*g.scratchLen, 4096), wbufMax)
			g.scratch = uint8Array.New(g.scratchLen)
		}
		js.CopyBytesToJS(g.scratch, p)
		// send copies the bytes at once: the scratch buffer is free again.
		g.ws.Call("send", g.scratch.Call("subarray", 0, len(p)))
	})
	return sendOK, err
}

func (g *goSock) close(code int, reason string) error {
	return jsbridge.Try(func() { g.ws.Call("close", code, reason) })
}

func (g *goSock) detach() {
	g.disarmWrite()
	g.mu.Lock()
	releases := g.releases
	g.releases = nil
	g.stopped = true
	g.mu.Unlock()
	for _, release := range releases {
		release()
	}
}

// putUint32LE is binary.LittleEndian.PutUint32 without encoding/binary,
// which brings reflect into every page.
func putUint32LE(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
