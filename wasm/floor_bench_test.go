//go:build js && wasm

package wasm_test

import (
	"context"
	"runtime"
	"syscall/js"
	"testing"
	"time"
	"unsafe"

	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

// The floor: what the benchmarks cost with the least a Go program in the
// page can do, built from what package wasm's receive path uses (an
// exported function entered from the message event, messages written by
// JavaScript into Go's memory, messages sent from Go's memory) and none
// of what a library adds (limits, batches, errors, contexts, close).
// The benchmarks report it beside duplex, so that every run says how far
// duplex is from what the platform allows:
//
//   - floor: a Read that waits for a message on a goroutine of the
//     program, as duplex's Read does: the export wakes it and yields to
//     it, one goroutine switch per message, the least a blocking Read can
//     take; each message is copied into a new slice of its own, as Read
//     must return it;
//   - floor-inline (BenchmarkRTT): the export answers the message
//     itself, inside the call, with no goroutine switch: what a callback
//     run from the message event costs, which no blocking Read can be.

// floorWake is how the export wakes the floor's Read.
var floorWake = make(chan struct{}, 1)

// The inline variant's state, used only inside the export and by
// floorInline before it starts.
var (
	floorInlineOn bool
	floorLeft     int
	floorT0       time.Time
	floorSamples  []float64
	floorDone     = make(chan struct{}, 1)
	floorMsg      = make([]byte, 16)
	floor         *floorConn
)

//lint:ignore U1000 JavaScript calls it (go:wasmexport).
//go:wasmexport duplex_floor_enter
func floorEnter() {
	if floorInlineOn {
		floorSamples = append(floorSamples, float64(time.Since(floorT0).Nanoseconds())/1000)
		if floorLeft--; floorLeft > 0 {
			floorT0 = time.Now()
			_ = floor.Write(context.Background(), wasm.MessageBinary, floorMsg)
			return // no goroutine switch: Go pauses at once
		}
		floorInlineOn = false
		floorDone <- struct{}{}
	} else {
		select {
		case floorWake <- struct{}{}:
		default:
		}
	}
	runtime.Gosched()
	runtime.Goexit()
}

// floorJS opens the floor's WebSocket; go is the page's Go instance.
var floorJS = jsFunc(`async function(url, go) {
  const x = go._inst.exports;
  const enc = new TextEncoder(), dec = new TextDecoder();
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const q = [];
  let waiting = false, inline = false;
  ws.onmessage = (e) => {
    if (inline) { x.duplex_floor_enter(); return; }
    const d = e.data;
    q.push(typeof d === "string" ? enc.encode(d) : new Uint8Array(d));
    if (waiting) { waiting = false; x.duplex_floor_enter(); }
  };
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  return {
    next: () => { if (q.length) return q[0].length; waiting = true; return -1; },
    take: (p) => { new Uint8Array(x.mem.buffer).set(q.shift(), p); },
    send: (p, n, text) => {
      const v = new Uint8Array(x.mem.buffer, p, n);
      ws.send(text ? dec.decode(v) : v);
    },
    inline: (on) => { inline = on; },
    close: () => ws.close(),
  };
}`)

// floorConn is the floor's connection: a benchConn.
type floorConn struct{ next, take, send, inline, closeFn js.Value }

func (f *floorConn) Read(ctx context.Context) (wasm.MessageType, []byte, error) {
	for {
		if n := f.next.Invoke().Int(); n >= 0 {
			p := make([]byte, n)
			f.take.Invoke(uintptr(unsafe.Pointer(unsafe.SliceData(p))))
			return wasm.MessageBinary, p, nil
		}
		<-floorWake
	}
}

func (f *floorConn) Write(ctx context.Context, typ wasm.MessageType, p []byte) error {
	f.send.Invoke(uintptr(unsafe.Pointer(unsafe.SliceData(p))), len(p), typ == wasm.MessageText)
	return nil
}

func (f *floorConn) close() { f.closeFn.Invoke() }

// floorGo finds the page's Go instance as package wasm's shim does:
// syscall/js calls _makeFuncWrapper on it for every js.FuncOf.
func floorGo() js.Value {
	p := js.Global().Get("Go").Get("prototype")
	jsFunc(`function(p) {
  const orig = p._makeFuncWrapper;
  p._makeFuncWrapper = function (id) { p.__floorGo = this; p._makeFuncWrapper = orig; return orig.call(this, id); };
}`).Invoke(p)
	js.FuncOf(func(js.Value, []js.Value) any { return nil }).Release()
	return p.Get("__floorGo")
}

// openFloor opens the floor's connection to url: one per test binary
// (one export, one wake).
func openFloor(b *testing.B, url string) *floorConn {
	if floor != nil {
		b.Fatal("the floor is open already")
	}
	v, err := jsbridge.Await(context.Background(), floorJS.Invoke(url, floorGo()))
	if err != nil {
		b.Fatal(err)
	}
	floor = &floorConn{next: v.Get("next"), take: v.Get("take"), send: v.Get("send"), inline: v.Get("inline"), closeFn: v.Get("close")}
	b.Cleanup(func() { floor.close(); floor = nil })
	return floor
}

// floorInline runs n round trips of floor-inline and returns them in µs.
func floorInline(n int) []float64 {
	floor.inline.Invoke(true)
	defer floor.inline.Invoke(false)
	floorSamples, floorLeft, floorInlineOn = floorSamples[:0], n, true
	floorT0 = time.Now()
	_ = floor.Write(context.Background(), wasm.MessageBinary, floorMsg)
	<-floorDone
	return floorSamples
}
