//go:build js && wasm

package wasm

import (
	_ "embed"
	"errors"
	"sync"
	"sync/atomic"
	"syscall/js"
	"unsafe"

	"github.com/duplex-go/duplex/jsbridge"
)

// shimSource is shim.js without its comments and indentation (TestShimUpToDate
// in internal/jsmin checks it): every page that dials downloads it.
//
//go:embed shim.min.js
var shimSource string

var (
	shimOnce sync.Once
	shimLib  js.Value // the object shim.js returns, or undefined
	shimErr  error    // why it could not be built
)

// forceFallback makes Dial use the Go backend, and forceFunc the shim
// without the export (as where the page's Go instance cannot be found):
// tests set them to run the same suite on every path.
var forceFallback, forceFunc bool

// shim returns the JavaScript half, built on first use. It returns an
// error where the page forbids building code from a string (a Content
// Security Policy without 'unsafe-eval'); Dial then needs the Go backend.
func shim() (js.Value, error) {
	shimOnce.Do(func() {
		shimErr = jsbridge.Try(func() {
			// The address of entryBox, for the export path (entry.go).
			shimLib = js.Global().Get("Function").New(shimSource).Invoke(uintptr(unsafe.Pointer(&entryBox)))
		})
		if shimErr == nil && shimLib.Type() != js.TypeObject {
			shimErr = errors.New("the shim returned " + shimLib.Type().String())
		}
	})
	if forceFallback {
		return js.Value{}, errors.New("forced by a test")
	}
	return shimLib, shimErr
}

// dialFallback is newGoSock once EnableCSPFallback has been called. Until
// then nothing refers to the Go backend, and the linker leaves it out of
// the program: about 19 KB gzipped that most pages never use.
var dialFallback atomic.Pointer[backendDialer]

// backendDialer opens a backend: newGoSock's signature.
type backendDialer func(url string, protocols []any, binaryType BinaryType, readLimit, queueLimit int64, notify func(int)) (backend, error)

// EnableCSPFallback lets Dial work on pages whose Content Security Policy
// forbids building code from a string (no 'unsafe-eval' in script-src),
// where the package's JavaScript half cannot be built. Dial then drives
// the classic WebSocket with one Go listener per event: the same
// behaviour, slower under load, and without WebSocketStream. Without it,
// Dial on such a page returns an error in the chain of ErrUnsupported
// that names this function.
//
// Call it once, before dialing, in programs that may run under such a
// policy. It is safe to call more than once and from any goroutine.
func EnableCSPFallback() {
	f := backendDialer(newGoSock)
	dialFallback.Store(&f)
}

// shimSock is a backend over a Sock of shim.js. It holds on to the Sock's
// two buffers so that the hot paths cross into JavaScript only with calls
// that return numbers. With mem set (entry.go), the shim packs received
// messages straight into fill's dst, in Go's memory, and rbuf is unused.
type shimSock struct {
	s         js.Value
	fillFn    js.Value // s.fill, s.send, s.release and s.takeBig, bound
	sendFn    js.Value
	releaseFn js.Value
	takeFn    js.Value
	rbuf      js.Value // the Sock's rbuf, rcap bytes
	rcap      int
	wbuf      js.Value // the Sock's wbuf, wcap bytes
	wcap      int
	mem       bool
}

// wbufMax is shim.js's WBUF: a wbuf grown past it for a message is dropped
// once the message is sent, and the fallback sends a message larger than
// it from an array of its own.
const wbufMax = 64 << 10

func newShimSock(s js.Value) *shimSock {
	return &shimSock{s: s, fillFn: s.Get("fillFn"), sendFn: s.Get("sendFn"), releaseFn: s.Get("releaseFn"), takeFn: s.Get("takeFn"), rcap: -1, wcap: -1}
}

// fill asks the shim for the messages ready. With mem, dst (empty) is
// the buffer the shim packs them into, now or, if a Read then waits,
// when they arrive: the Conn passes what fill returned last. It is made
// batchBytes long, as big as the shim's rbuf, which the shim then never
// makes.
func (b *shimSock) fill(dst []byte, arm bool) ([]byte, fillStatus) {
	if b.mem && cap(dst) < batchBytes {
		dst = make([]byte, 0, batchBytes)
	}
	for {
		c, ptr := b.rcap, uintptr(0)
		if b.mem {
			c, ptr = cap(dst), uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
		}
		// inShim: the shim may wake a Read from inside this call.
		inShim++
		n := b.fillFn.Invoke(arm, c, ptr).Int()
		inShim--
		if n <= -8 {
			// With mem, one message too big for dst: the shim writes it
			// into a slice of its size, with no JavaScript object for
			// Go to hold (and finalize) on the way.
			k := -n - 8
			p := make([]byte, k>>1)
			b.takeFn.Invoke(uintptr(unsafe.Pointer(unsafe.SliceData(p))))
			if k&1 != 0 {
				return p, fillText
			}
			return p, fillBinary
		}
		switch n {
		case -1:
			return dst, fillEmpty
		case -2:
			return dst, fillEnded
		case -3: // rbuf is new
			b.rbuf = b.s.Get("rbuf")
			b.rcap = b.rbuf.Length()
			continue
		case -4, -5: // one message, too big for rbuf
			v := b.takeFn.Invoke()
			p := make([]byte, v.Length())
			js.CopyBytesToGo(p, v)
			if n == -5 {
				return p, fillText
			}
			return p, fillBinary
		}
		if b.mem {
			return dst[:n], fillOK
		}
		start := len(dst)
		dst = append(dst, make([]byte, n)...)
		js.CopyBytesToGo(dst[start:], b.rbuf)
		return dst, fillOK
	}
}

func (b *shimSock) release(n int) {
	inShim++
	b.releaseFn.Invoke(n)
	inShim--
}

func (b *shimSock) disarmRead() { b.s.Call("disarmRead") }

func (b *shimSock) closed() (end, bool) {
	v := b.s.Get("end")
	if v.Type() != js.TypeObject {
		// A WebSocketStream the peer has closed while Read still has
		// messages to return: it has ended for everything but Read.
		v = b.s.Get("closeInfo")
	}
	if v.Type() != js.TypeObject {
		return end{}, false
	}
	return end{
		code:     v.Get("code").Int(),
		reason:   v.Get("reason").String(),
		wasClean: v.Get("wasClean").Bool(),
		opened:   v.Get("opened").Bool(),
	}, true
}

func (b *shimSock) failure() (string, int64, int64) {
	f := b.s.Get("failure")
	if f.Type() != js.TypeObject {
		return "", 0, 0
	}
	return f.Get("kind").String(), int64(f.Get("size").Float()), int64(f.Get("limit").Float())
}

func (b *shimSock) readyState() ReadyState { return ReadyState(b.s.Call("readyState").Int()) }
func (b *shimSock) refusedBy() string      { return b.s.Get("policy").String() }
func (b *shimSock) protocol() string       { return b.s.Get("protocol").String() }
func (b *shimSock) extensions() string     { return b.s.Get("extensions").String() }
func (b *shimSock) buffered() int64        { return int64(b.s.Call("buffered").Float()) }
func (b *shimSock) armWrite(low int64) bool {
	return b.s.Call("armWrite", float64(low)).Bool()
}
func (b *shimSock) disarmWrite() { b.s.Call("disarmWrite") }

func (b *shimSock) send(kind int, p []byte, high int64) (sendStatus, error) {
	var st sendStatus
	err := jsbridge.Try(func() {
		if b.mem && len(p) > 0 {
			// The shim reads p in Go's memory: one copy fewer.
			st = sendStatus(b.sendFn.Invoke(kind, len(p), float64(high), uintptr(unsafe.Pointer(unsafe.SliceData(p)))).Int())
			return
		}
		if len(p) > b.wcap {
			b.wcap = b.s.Call("growWbuf", len(p)).Int()
			b.wbuf = b.s.Get("wbuf")
		}
		if len(p) > 0 {
			js.CopyBytesToJS(b.wbuf, p)
		}
		st = sendStatus(b.sendFn.Invoke(kind, len(p), float64(high)).Int())
		if st == 3 { // sent, and wbuf dropped: it had grown past wbufMax
			st, b.wcap = sendOK, -1
		}
	})
	return st, err
}

func (b *shimSock) close(code int, reason string) error {
	inShim++
	err := jsbridge.Try(func() { b.s.Call("close", code, reason) })
	inShim--
	return err
}

func (b *shimSock) setLimits(read, queue int64) {
	inShim++
	b.s.Call("setLimits", float64(read), float64(queue))
	inShim--
}

func (b *shimSock) detach() { b.s.Call("detach") }
