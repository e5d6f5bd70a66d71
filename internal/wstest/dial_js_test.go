//go:build js && wasm

package wstest_test

import (
	"errors"
	"syscall/js"
	"testing"
	"time"
)

// conn is a minimal client on the browser's own WebSocket, for these tests
// only: the product's is package wasm.
type conn struct {
	ws       js.Value
	msgs     chan message
	closed   chan closeError
	failed   chan struct{}
	releases []func()
}

type message struct {
	binary bool
	p      []byte
}

func dial(t *testing.T, url string) *conn {
	t.Helper()
	c := &conn{
		ws:     js.Global().Get("WebSocket").New(url),
		msgs:   make(chan message, 64),
		closed: make(chan closeError, 1),
		failed: make(chan struct{}, 1),
	}
	c.ws.Set("binaryType", "arraybuffer")
	opened := make(chan struct{}, 1)
	c.on("open", func(js.Value) { opened <- struct{}{} })
	c.on("error", func(js.Value) {
		select {
		case c.failed <- struct{}{}:
		default:
		}
	})
	c.on("close", func(e js.Value) {
		select {
		case c.closed <- closeError{e.Get("code").Int(), e.Get("reason").String()}:
		default:
		}
	})
	c.on("message", func(e js.Value) {
		// A callback must not block: the tests read at most a few messages.
		data := e.Get("data")
		m := message{binary: data.Type() != js.TypeString}
		if m.binary {
			u8 := js.Global().Get("Uint8Array").New(data)
			m.p = make([]byte, u8.Length())
			js.CopyBytesToGo(m.p, u8)
		} else {
			m.p = []byte(data.String())
		}
		select {
		case c.msgs <- m:
		default:
			panic("wstest: more than 64 unread messages")
		}
	})
	t.Cleanup(func() {
		c.ws.Call("close")
		for _, release := range c.releases {
			release()
		}
	})
	select {
	case <-opened:
		return c
	case <-c.failed:
		t.Fatalf("dial %s: the WebSocket failed to open", url)
	case <-time.After(10 * time.Second):
		t.Fatalf("dial %s: timed out", url)
	}
	return nil
}

func (c *conn) on(event string, fn func(js.Value)) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		fn(args[0])
		return nil
	})
	c.ws.Call("addEventListener", event, f)
	c.releases = append(c.releases, func() {
		c.ws.Call("removeEventListener", event, f)
		f.Release()
	})
}

func (c *conn) write(binary bool, p []byte) error {
	if !binary {
		c.ws.Call("send", string(p))
		return nil
	}
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	c.ws.Call("send", u8)
	return nil
}

func (c *conn) read() (bool, []byte, error) {
	select {
	case m := <-c.msgs:
		return m.binary, m.p, nil
	case ce := <-c.closed:
		return false, nil, ce
	case <-time.After(10 * time.Second):
		return false, nil, errors.New("read: timed out")
	}
}
