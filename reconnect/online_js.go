//go:build js && wasm

package reconnect

import (
	"syscall/js"

	"github.com/duplex-go/duplex/jsbridge"
)

// watchOnline returns a channel that receives when the browser fires
// online (the network is back), so that a Conn waiting out its backoff
// dials at once, and a func that reports whether the browser says it is
// offline (navigator.onLine false), so that a Conn does not dial then.
// Where there is no such event (no addEventListener on the global
// object), it returns nil and nil.
func watchOnline() (online <-chan struct{}, offline func() bool, stop func()) {
	ch := make(chan struct{}, 1)
	release, err := jsbridge.Listen(js.Global(), "online", func(js.Value) {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, nil, func() {}
	}
	offline = func() bool {
		var off bool
		_ = jsbridge.Try(func() {
			nav := js.Global().Get("navigator")
			if nav.Type() == js.TypeObject {
				v := nav.Get("onLine")
				off = v.Type() == js.TypeBoolean && !v.Bool()
			}
		})
		return off
	}
	return ch, offline, release
}

// pingFrames: Heartbeat.Frames can be honoured: browsers let a page send no ping frame.
const pingFrames = false
