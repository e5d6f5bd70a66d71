//go:build js && wasm

package jsbridge_test

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/jsbridge"
)

// Try turns what a syscall/js call throws into an error, never a panic.
func ExampleTry() {
	err := jsbridge.Try(func() {
		js.Global().Get("JSON").Call("parse", "{not json")
	})
	var jerr *jsbridge.Error
	if errors.As(err, &jerr) {
		fmt.Println(jerr.Name)
	}
	// Output: SyntaxError
}

// New is Try around a constructor: the browser's WebSocket throws for a
// URL it refuses.
func ExampleNew() {
	_, err := jsbridge.New(js.Global().Get("WebSocket"), "ftp://example.com/")
	var jerr *jsbridge.Error
	fmt.Println(errors.As(err, &jerr), jerr.Name)
	// Output: true SyntaxError
}

// Await waits for a Promise, bounded by a context; a rejection is an
// *Error.
func ExampleAwait() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	blob := js.Global().Get("Blob").New([]any{"hello"})
	buf, err := jsbridge.Await(ctx, blob.Call("arrayBuffer"))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := jsbridge.CopyToGo(buf)
	fmt.Println(string(p), err)

	rejected := js.Global().Get("Promise").Call("reject", js.Global().Get("TypeError").New("no"))
	_, err = jsbridge.Await(ctx, rejected)
	fmt.Println(err)
	// Output:
	// hello <nil>
	// jsbridge: TypeError: no
}

// Listen adds an event listener and returns the one func that removes it
// and releases its js.Func. The listener runs on the JavaScript event
// loop: it must not block.
func ExampleListen() {
	target := js.Global().Get("EventTarget").New()
	got := make(chan string, 1)
	release, err := jsbridge.Listen(target, "ping", func(e js.Value) {
		select {
		case got <- e.Get("type").String():
		default:
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer release()

	target.Call("dispatchEvent", js.Global().Get("Event").New("ping"))
	fmt.Println(<-got)
	// Output: ping
}
