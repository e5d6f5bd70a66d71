//go:build js && wasm

package wasm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/duplex-go/duplex/wasm"
)

// Dial with options: a subprotocol, WebSocketStream where the browser has
// it (so that a page that stops reading slows the server down instead of
// filling its memory), a larger read limit, and the close the page sends
// and sees. (Compiled, not run: it needs a server.)
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wasm.Dial(ctx, "wss://example.com/chat", &wasm.Options{
		Subprotocols: []string{"chat.v1"},
		Transport:    wasm.TransportPreferStream,
		ReadLimit:    1 << 20,
	})
	var de *wasm.DialError
	if errors.As(err, &de) {
		fmt.Println("never opened:", int(wasm.CloseStatus(err))) // 1006: browsers do not say why
		return
	}
	if err != nil {
		return
	}
	fmt.Println(c.Subprotocol(), c.Transport())

	if err := c.Write(ctx, wasm.MessageText, []byte("hello")); err != nil {
		return
	}
	typ, p, err := c.Read(ctx)
	var ce *wasm.CloseError
	switch {
	case errors.As(err, &ce):
		fmt.Println("the server closed with", ce.Code, ce.Reason)
		return
	case err != nil:
		return
	}
	fmt.Println(typ, string(p))

	err = c.Close(wasm.StatusGoingAway, "page closed") // 1001 goes out as 4001
	fmt.Println(err)
}

// Pages may send only 1000 and 3000-4999: WireCode says what Close
// sends instead of a code of the protocol's own range.
func ExampleWireCode() {
	for _, code := range []wasm.StatusCode{1000, 1001, 1009, 4321, 2000} {
		sent, ok := wasm.WireCode(code)
		fmt.Println(int(code), "goes out as", int(sent), ok)
	}
	// Output:
	// 1000 goes out as 1000 true
	// 1001 goes out as 4001 true
	// 1009 goes out as 4009 true
	// 4321 goes out as 4321 true
	// 2000 goes out as 4011 false
}

// A program that may run on a page whose Content Security Policy forbids
// 'unsafe-eval' opts in to the Go-only path before it dials; elsewhere Dial
// on such a page fails with ErrUnsupported, saying so.
func ExampleEnableCSPFallback() {
	wasm.EnableCSPFallback()
	c, err := wasm.Dial(context.Background(), "wss://example.com/ws", nil)
	if errors.Is(err, wasm.ErrUnsupported) {
		fmt.Println(err)
		return
	}
	if err != nil {
		return
	}
	defer c.Close(wasm.StatusNormalClosure, "")
}
