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

// shimSock is a backend over a Sock of shim.js.
type shimSock struct {
	s js.Value
}

func (b shimSock) take(dst []js.Value, delivered int, arm bool) []js.Value {
	arr := b.s.Call("take", delivered, arm)
	n := arr.Length()
	for i := 0; i < n; i++ {
		dst = append(dst, arr.Index(i))
	}
	return dst
}

func (b shimSock) disarmRead() { b.s.Call("disarmRead") }

func (b shimSock) ended() (end, bool) { return endOf(b.s.Call("ended")) }

func (b shimSock) closed() (end, bool) { return endOf(b.s.Get("end")) }

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

func (b shimSock) readyState() ReadyState { return ReadyState(b.s.Call("readyState").Int()) }
func (b shimSock) protocol() string       { return b.s.Get("protocol").String() }
func (b shimSock) extensions() string     { return b.s.Get("extensions").String() }
func (b shimSock) buffered() int64        { return int64(b.s.Call("buffered").Float()) }
func (b shimSock) armWrite(low int64) bool {
	return b.s.Call("armWrite", float64(low)).Bool()
}
func (b shimSock) disarmWrite() { b.s.Call("disarmWrite") }

func (b shimSock) sendText(s string) error {
	return jsbridge.Try(func() { b.s.Call("sendText", s) })
}

func (b shimSock) sendBinary(p []byte) error {
	return jsbridge.Try(func() {
		js.CopyBytesToJS(b.s.Call("buffer", len(p)), p)
		b.s.Call("sendBinary", len(p))
	})
}

func (b shimSock) close(code int, reason string) error {
	return jsbridge.Try(func() { b.s.Call("close", code, reason) })
}

func (b shimSock) detach() { b.s.Call("detach") }
