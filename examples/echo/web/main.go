//go:build js && wasm

// Command web is the echo demo's page: package echo, compiled to
// WebAssembly. It sends text, or a file picked in the page as one binary
// message, and compares the echo with what it sent, byte for byte; it
// shows the bytes waiting to be sent while a large file goes out, and
// switches between the browser's binary types (ArrayBuffer, Blob) and
// its two WebSocket APIs (WebSocket, WebSocketStream).
package main

import (
	"bytes"
	"context"
	"strconv"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/examples/echo"
	"github.com/duplex-go/duplex/examples/internal/dom"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/jsbridge"
)

// input is what the person did.
type input struct {
	redial bool     // changed binaryType or transport
	text   *string  // sent text
	file   js.Value // picked a file
}

// result is an echo's outcome, as the page lists it.
type result struct {
	ok       bool
	text     string
	opts     echo.Options
	buffered int64 // bytes buffered for sending once the message was written
}

type page struct {
	status, conn, buffered, results, fileInput, textInput js.Value
	c                                                     *echo.Client
	opts                                                  echo.Options
	busy                                                  int // echoes under way
}

func main() {
	p := &page{
		status: dom.ID("status"), conn: dom.ID("conn"), buffered: dom.ID("buffered"),
		results: dom.ID("results"), fileInput: dom.ID("file"), textInput: dom.ID("text"),
	}
	inputs := make(chan input, 64)
	put := func(in input) {
		select {
		case inputs <- in:
		default:
		}
	}
	for _, id := range []string{"bt-arraybuffer", "bt-blob", "tr-websocket", "tr-stream"} {
		dom.On(dom.ID(id), "change", func(js.Value) { put(input{redial: true}) })
	}
	dom.On(dom.ID("text-form"), "submit", func(js.Value) {
		s := dom.Value(p.textInput)
		put(input{text: &s})
	})
	dom.On(p.fileInput, "change", func(js.Value) {
		if files := p.fileInput.Get("files"); files.Length() > 0 {
			put(input{file: files.Index(0)})
		}
	})

	results := make(chan result, 16)
	p.dial()
	tick := time.NewTicker(100 * time.Millisecond)
	for {
		select {
		case in := <-inputs:
			switch {
			case in.redial:
				p.dial()
			case in.text != nil:
				p.send(results, "text "+strconv.Quote(*in.text), func(ctx context.Context) (echo.Message, error) {
					return echo.Text(*in.text), nil
				})
				p.textInput.Set("value", "")
			default:
				file := in.file
				name := "file " + file.Get("name").String()
				p.send(results, name, func(ctx context.Context) (echo.Message, error) {
					if err := echo.CheckSize(file.Get("size").Int()); err != nil {
						return echo.Message{}, err // before reading it
					}
					data, err := jsbridge.BlobBytes(ctx, file)
					return echo.Binary(data), err
				})
				p.fileInput.Set("value", "") // the same file may be picked again
			}
		case r := <-results:
			p.busy--
			li := dom.New("li", map[bool]string{true: "ok", false: "bad"}[r.ok], r.text)
			li.Call("setAttribute", "data-ok", strconv.FormatBool(r.ok))
			li.Call("setAttribute", "data-binarytype", r.opts.BinaryType.String())
			li.Call("setAttribute", "data-transport", r.opts.Transport.String())
			li.Call("setAttribute", "data-buffered", strconv.FormatInt(r.buffered, 10))
			if r.buffered > 0 {
				dom.SetText(p.buffered, strconv.FormatInt(r.buffered, 10)+" bytes were buffered for sending as the last message went out")
			}
			p.results.Call("prepend", li)
		case <-p.c.Changed():
			p.showStatus()
		case <-tick.C:
			p.showStatus()
		}
	}
}

// dial connects with the options the page's switches say, closing the
// connection before.
func (p *page) dial() {
	p.opts = echo.Options{BinaryType: client.ArrayBuffer, Transport: client.TransportWebSocket}
	if dom.ID("bt-blob").Get("checked").Bool() {
		p.opts.BinaryType = client.Blob
	}
	if dom.ID("tr-stream").Get("checked").Bool() {
		p.opts.Transport = client.TransportStream
	}
	if p.c != nil {
		go p.c.Close()
	}
	p.c = echo.Dial("echo", &p.opts) // relative: this page's server
	p.showStatus()
}

// send echoes the message that get returns, and sends its result.
func (p *page) send(results chan<- result, what string, get func(context.Context) (echo.Message, error)) {
	c, opts := p.c, p.opts
	p.busy++
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		r := result{opts: opts}
		m, err := get(ctx)
		if err == nil {
			var back echo.Reply
			back, err = c.Echo(ctx, m)
			if err == nil {
				r.ok, r.text = compare(what, m, back.Message, back.Took)
				r.buffered = back.Buffered
			}
		}
		if err != nil {
			r.text = what + ": " + status.Explain(err)
		}
		r.text += " (" + c.Transport().String() + ", binaryType " + opts.BinaryType.String() + ")"
		results <- r
	}()
}

// compare says whether back is the echo of m.
func compare(what string, m, back echo.Message, took time.Duration) (bool, string) {
	n := strconv.Itoa(m.Len()) + " bytes"
	switch {
	case m.Binary != back.Binary:
		return false, what + ": the echo came back as another type of message"
	case m.Binary && !bytes.Equal(m.Data, back.Data):
		i := 0
		for i < len(m.Data) && i < len(back.Data) && m.Data[i] == back.Data[i] {
			i++
		}
		return false, what + ": the echo differs from byte " + strconv.Itoa(i) + " on (sent " + n + ", got " + strconv.Itoa(len(back.Data)) + ")"
	case !m.Binary && m.Text != back.Text:
		return false, what + ": the echo differs: " + strconv.Quote(back.Text)
	}
	return true, what + ": " + n + " echoed, identical, in " + took.Round(time.Millisecond).String()
}

func (p *page) showStatus() {
	s := p.c.Status()
	p.status.Call("setAttribute", "data-state", s.State.String())
	dom.SetText(p.status, s.Text(time.Now()))
	conn := "binaryType " + p.opts.BinaryType.String() + ", transport " + p.opts.Transport.String()
	if s.State == status.Connected {
		conn = "connected over " + p.c.Transport().String() + "; binary messages arrive as " + p.opts.BinaryType.String()
	}
	p.conn.Call("setAttribute", "data-transport", p.c.Transport().String())
	dom.SetText(p.conn, conn)
	if p.busy > 0 { // while a message goes out, what is left to send
		dom.SetText(p.buffered, strconv.FormatInt(p.c.Buffered(), 10)+" bytes buffered for sending")
	}
}
