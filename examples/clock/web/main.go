//go:build js && wasm

// Command web is the clock demo's page: it connects to the server's /clock
// WebSocket with package reconnect, so that it comes back by itself when
// the server restarts or the network drops, and shows each number the
// server pushes, decoded by codec.JSON.
package main

import (
	"context"
	"errors"
	"strconv"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/reconnect"
)

// tick is what the server pushes.
type tick struct{ Seconds float64 }

func main() {
	doc := js.Global().Get("document")
	elapsed := doc.Call("getElementById", "elapsed")
	status := doc.Call("getElementById", "status")
	show := func(s string) { status.Set("textContent", s) }

	ctx := context.Background()
	// A URL relative to the page: ws:// or wss:// to match it, on the
	// page's host, beside the page (at /clock/clock in `make demo`).
	c, err := reconnect.Dial(ctx, "clock", &reconnect.Options{
		Backoff: reconnect.Exponential{Initial: 250 * time.Millisecond, Max: 10 * time.Second},
		OnState: func(e reconnect.Event) {
			switch {
			case e.State == reconnect.Connected:
				elapsed.Set("textContent", "–") // a new connection counts from 0
				show("connected")
			case e.State == reconnect.Waiting && e.Offline:
				show("offline: waiting for the network")
			case e.State == reconnect.Waiting:
				show("reconnecting in " + e.Delay.Round(time.Millisecond).String() + " (" + e.Err.Error() + ")")
			}
		},
	})
	if err != nil {
		show("cannot connect: " + err.Error())
		return
	}
	defer c.CloseNow()

	ticks := codec.NewConn(c, codec.JSON[tick]{})
	for {
		t, err := ticks.Receive(ctx)
		if de, ok := errors.AsType[*codec.DecodeError](err); ok {
			show("bad message: " + de.Error()) // the connection stays open
			continue
		}
		if err != nil {
			show("gave up: " + err.Error()) // a final failure, such as 1008
			return
		}
		elapsed.Set("textContent", strconv.FormatFloat(t.Seconds, 'f', -1, 64))
	}
}
