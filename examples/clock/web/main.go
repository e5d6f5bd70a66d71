//go:build js && wasm

// Command web is the clock demo's page: it connects to the server's /clock
// WebSocket with package client and shows each number the server pushes,
// decoded by codec.JSON.
package main

import (
	"context"
	"errors"
	"strconv"
	"syscall/js"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

// tick is what the server pushes.
type tick struct{ Seconds float64 }

func main() {
	doc := js.Global().Get("document")
	elapsed := doc.Call("getElementById", "elapsed")
	status := doc.Call("getElementById", "status")
	show := func(s string) { status.Set("textContent", s) }

	ctx := context.Background()
	// A relative URL: the page's own host, ws:// or wss:// to match it.
	c, err := client.Dial(ctx, "/clock", nil)
	if err != nil {
		show("cannot connect: " + err.Error())
		return
	}
	defer c.CloseNow()
	show("connected")

	ticks := codec.NewConn(c, codec.JSON[tick]{})
	for {
		t, err := ticks.Receive(ctx)
		if de, ok := errors.AsType[*codec.DecodeError](err); ok {
			show("bad message: " + de.Error()) // the connection stays open
			continue
		}
		if err != nil {
			show("disconnected: " + strconv.Itoa(int(client.CloseStatus(err))) + " " + closeReason(err))
			return
		}
		elapsed.Set("textContent", strconv.FormatFloat(t.Seconds, 'f', -1, 64))
	}
}

func closeReason(err error) string {
	if ce, ok := errors.AsType[*client.CloseError](err); ok {
		return ce.Reason
	}
	return err.Error()
}
