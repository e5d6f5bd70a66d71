//go:build js && wasm

package reconnect

import (
	"syscall/js"

	"github.com/duplex-go/duplex/jsbridge"
)

// watchOnline returns a channel that receives when the browser fires
// online (the network is back), so that a Conn waiting out its backoff
// dials at once. Where there is no such event (no addEventListener on the
// global object), it returns nil.
func watchOnline() (online <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	release, err := jsbridge.Listen(js.Global(), "online", func(js.Value) {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, func() {}
	}
	return ch, release
}
