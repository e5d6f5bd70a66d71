//go:build js && wasm

// Command web is the clock demo's page: it connects to the server's /clock
// WebSocket and shows each number the server pushes.
//
// It talks to the browser's WebSocket directly for now; the examples issue
// moves it onto package client.
package main

import (
	"encoding/json"
	"strconv"
	"syscall/js"
)

func main() {
	doc := js.Global().Get("document")
	elapsed := doc.Call("getElementById", "elapsed")
	status := doc.Call("getElementById", "status")

	loc := js.Global().Get("location")
	scheme := "ws://"
	if loc.Get("protocol").String() == "https:" {
		scheme = "wss://"
	}
	ws := js.Global().Get("WebSocket").New(scheme + loc.Get("host").String() + "/clock")

	done := make(chan struct{})
	var onOpen, onMessage, onClose js.Func
	onOpen = js.FuncOf(func(js.Value, []js.Value) any {
		status.Set("textContent", "connected")
		return nil
	})
	onMessage = js.FuncOf(func(_ js.Value, args []js.Value) any {
		var tick struct{ Seconds float64 }
		if err := json.Unmarshal([]byte(args[0].Get("data").String()), &tick); err != nil {
			status.Set("textContent", "bad message: "+err.Error())
			return nil
		}
		elapsed.Set("textContent", strconv.FormatFloat(tick.Seconds, 'f', -1, 64))
		return nil
	})
	onClose = js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		status.Set("textContent", "disconnected: "+strconv.Itoa(e.Get("code").Int())+" "+e.Get("reason").String())
		close(done)
		return nil
	})
	ws.Call("addEventListener", "open", onOpen)
	ws.Call("addEventListener", "message", onMessage)
	ws.Call("addEventListener", "close", onClose)
	<-done
	onOpen.Release()
	onMessage.Release()
	onClose.Release()
}
