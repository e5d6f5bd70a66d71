//go:build js && wasm

package jsbridge

import (
	"sync"
	"syscall/js"
)

// Listen adds fn as a listener for event on target (anything with
// addEventListener: a WebSocket, window, an AbortSignal) and returns the
// one func that removes it and releases its js.Func. release may be called
// more than once, and from any goroutine.
//
// fn receives the event object. It runs on the JavaScript event loop: it
// must not block (send to a buffered channel, or under a short lock) and
// must not panic.
func Listen(target js.Value, event string, fn func(js.Value)) (release func(), err error) {
	f := FuncOf(func(_ js.Value, args []js.Value) any {
		var e js.Value
		if len(args) > 0 {
			e = args[0]
		}
		fn(e)
		return nil
	})
	if _, err := Call(target, "addEventListener", event, f.Value); err != nil {
		f.Release()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_, _ = Call(target, "removeEventListener", event, f.Value)
			f.Release()
		})
	}, nil
}
