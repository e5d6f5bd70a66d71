//go:build js && wasm

package wasm

import (
	_ "embed"
	"sync"
	"syscall/js"

	"github.com/duplex-go/duplex/jsbridge"
)

//go:embed shim.js
var shimSource string

var (
	shimOnce sync.Once
	shimLib  js.Value // the object shim.js returns, or undefined
)

// forceFallback makes Dial use the Go backend: tests set it to run the same
// suite on both backends.
var forceFallback bool

// shim returns the JavaScript half, built on first use. It reports false
// where the page forbids building code from a string (a Content Security
// Policy without 'unsafe-eval'); Dial then uses the Go backend.
func shim() (js.Value, bool) {
	shimOnce.Do(func() {
		_ = jsbridge.Try(func() {
			shimLib = js.Global().Get("Function").New(shimSource).Invoke()
		})
	})
	if forceFallback || shimLib.Type() != js.TypeObject {
		return js.Value{}, false
	}
	return shimLib, true
}

// shimSock is a backend over a Sock of shim.js. It holds on to the Sock's
// two buffers so that the hot paths cross into JavaScript only with calls
// that return numbers.
type shimSock struct {
	s      js.Value
	fillFn js.Value // s.fill and s.send, bound
	sendFn js.Value
	rbuf   js.Value // the Sock's rbuf, rcap bytes
	rcap   int
	wbuf   js.Value // the Sock's wbuf, wcap bytes
	wcap   int
}

func newShimSock(s js.Value) *shimSock {
	return &shimSock{s: s, fillFn: s.Get("fillFn"), sendFn: s.Get("sendFn"), rcap: -1, wcap: -1}
}

func (b *shimSock) fill(dst []byte, delivered int, arm bool) ([]byte, fillStatus) {
	for {
		n := b.fillFn.Invoke(delivered, arm, b.rcap).Int()
		switch n {
		case -1:
			return dst, fillEmpty
		case -2:
			return dst, fillEnded
		case -3: // rbuf is new
			b.rbuf = b.s.Get("rbuf")
			b.rcap = b.rbuf.Length()
			delivered = 0
			continue
		}
		start := len(dst)
		dst = append(dst, make([]byte, n)...)
		js.CopyBytesToGo(dst[start:], b.rbuf)
		return dst, fillOK
	}
}

func (b *shimSock) disarmRead() { b.s.Call("disarmRead") }

func (b *shimSock) closed() (end, bool) { return endOf(b.s.Get("end")) }

func endOf(v js.Value) (end, bool) {
	if v.Type() != js.TypeObject {
		return end{}, false
	}
	e := end{
		code:     v.Get("code").Int(),
		reason:   v.Get("reason").String(),
		wasClean: v.Get("wasClean").Bool(),
		opened:   v.Get("opened").Bool(),
	}
	if f := v.Get("failure"); f.Type() == js.TypeObject {
		e.failure = f.Get("kind").String()
		e.size = int64(f.Get("size").Float())
	}
	return e, true
}

func (b *shimSock) readyState() ReadyState { return ReadyState(b.s.Call("readyState").Int()) }
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
		if len(p) > b.wcap {
			b.wcap = b.s.Call("growWbuf", len(p)).Int()
			b.wbuf = b.s.Get("wbuf")
		}
		if len(p) > 0 {
			js.CopyBytesToJS(b.wbuf, p)
		}
		st = sendStatus(b.sendFn.Invoke(kind, len(p), float64(high)).Int())
	})
	return st, err
}

func (b *shimSock) close(code int, reason string) error {
	return jsbridge.Try(func() { b.s.Call("close", code, reason) })
}

func (b *shimSock) setLimits(read, queue int64) {
	b.s.Set("readLimit", float64(read))
	b.s.Set("queueLimit", float64(queue))
}

func (b *shimSock) detach() { b.s.Call("detach") }
