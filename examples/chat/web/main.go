//go:build js && wasm

// Command web is the chat demo's page: package chat, compiled to
// WebAssembly, behind a form to join a room. It shows the room's log with
// time stamps, who is in the room, the connection's status at all times,
// and the messages typed while disconnected as pending until the room has
// them. /chat/?name=ann&room=lobby joins at once.
package main

import (
	"strconv"
	"syscall/js"
	"time"

	"github.com/duplex-go/duplex/examples/chat"
	"github.com/duplex-go/duplex/examples/internal/dom"
	"github.com/duplex-go/duplex/examples/internal/status"
)

// input is what the person did: submitted the join form, or a message.
type input struct {
	join       bool
	name, room string
	text       string
}

// page holds the page's elements and what it shows of the client.
type page struct {
	joinForm, name, room, joinError              js.Value
	chatView, title, status, members, log, queue js.Value
	sayForm, text, sayError                      js.Value

	c      *chat.Client
	shown  int  // the entries of the log on the page
	missed bool // the last one shown was missed
}

func main() {
	p := &page{
		joinForm: dom.ID("join-form"), name: dom.ID("name"), room: dom.ID("room"), joinError: dom.ID("join-error"),
		chatView: dom.ID("chat"), title: dom.ID("title"), status: dom.ID("status"), members: dom.ID("members"),
		log: dom.ID("log"), queue: dom.ID("pending"),
		sayForm: dom.ID("say-form"), text: dom.ID("text"), sayError: dom.ID("say-error"),
	}
	inputs := make(chan input, 64)
	put := func(in input) {
		select {
		case inputs <- in:
		default: // 64 ahead of the page: it is stuck; drop
		}
	}
	dom.On(p.joinForm, "submit", func(js.Value) {
		put(input{join: true, name: dom.Value(p.name), room: dom.Value(p.room)})
	})
	dom.On(p.sayForm, "submit", func(js.Value) { put(input{text: dom.Value(p.text)}) })
	if name := dom.Param("name"); name != "" {
		p.name.Set("value", name)
		if room := dom.Param("room"); room != "" {
			p.room.Set("value", room)
		}
		put(input{join: true, name: name, room: dom.Value(p.room)})
	}
	p.status.Call("setAttribute", "data-state", "idle")
	dom.SetText(p.status, "not in a room")

	tick := time.NewTicker(250 * time.Millisecond) // the status's countdown
	for {
		var changed <-chan struct{}
		if p.c != nil {
			changed = p.c.Changed()
		}
		select {
		case in := <-inputs:
			if in.join {
				p.join(in.name, in.room)
			} else {
				p.say(in.text)
			}
		case <-changed:
			p.render()
		case <-tick.C:
			if p.c != nil {
				p.showStatus(p.c.View().Status)
			}
		}
	}
}

// join joins the room, or says why not.
func (p *page) join(name, room string) {
	c, err := chat.Join("chat", chat.Options{Name: name, Room: room}) // relative: this page's server
	if err != nil {
		dom.SetText(p.joinError, status.Explain(err))
		return
	}
	if p.c != nil {
		go p.c.Close()
	}
	p.c, p.shown, p.missed = c, 0, false
	dom.Clear(p.log)
	dom.SetText(p.joinError, "")
	dom.Show(p.joinForm, false)
	dom.Show(p.chatView, true)
	v := c.View()
	dom.SetText(p.title, v.Room)
	js.Global().Get("document").Set("title", "duplex chat: "+v.Room)
	p.text.Call("focus")
	p.render()
}

// say sends text, or says why not.
func (p *page) say(text string) {
	if p.c == nil {
		return
	}
	if err := p.c.Say(text); err != nil {
		dom.SetText(p.sayError, status.Explain(err))
		return
	}
	dom.SetText(p.sayError, "")
	p.text.Set("value", "")
	p.render()
}

// render shows the client's View: the new entries of the log, and the
// rest anew.
func (p *page) render() {
	v := p.c.View()
	p.showStatus(v.Status)
	if v.Status.State == status.Closed && v.Status.Err != nil {
		// Refused (a name taken, say): another name may do.
		dom.SetText(p.joinError, status.Explain(v.Status.Err))
		dom.Show(p.joinForm, true)
	}
	for _, e := range v.Log[p.shown:] {
		if e.Missed && !p.missed {
			dom.Append(p.log, dom.New("li", "divider", "while you were disconnected"))
		}
		p.missed = e.Missed
		dom.Append(p.log, p.entry(e, v.Name))
	}
	p.shown = len(v.Log)

	dom.Clear(p.queue)
	for _, m := range v.Pending {
		li := dom.New("li", "pending", "")
		mark := "pending"
		if m.Err != nil {
			li.Set("className", "failed")
			mark = "not sent: " + status.Explain(m.Err)
		}
		dom.Append(li, dom.New("time", "", m.Time.Format("15:04:05")), dom.New("b", "name", v.Name), dom.New("span", "text", m.Text), dom.New("span", "mark", mark))
		dom.Append(p.queue, li)
	}

	dom.Clear(p.members)
	for _, m := range v.Members {
		li := dom.New("li", "", m)
		if m == v.Name {
			li.Set("className", "me")
		}
		dom.Append(p.members, li)
	}
	dom.ScrollToEnd(p.log.Get("parentElement"))
}

// entry is the list item of one entry of the log.
func (p *page) entry(e chat.Entry, me string) js.Value {
	class := string(e.Kind)
	if e.Missed {
		class += " missed"
	}
	if e.Kind == chat.EventMessage && e.Name == me {
		class += " mine"
	}
	li := dom.New("li", class, "")
	if e.Seq != 0 {
		li.Call("setAttribute", "data-seq", strconv.FormatUint(e.Seq, 10))
	}
	dom.Append(li, dom.New("time", "", e.Time.Local().Format("15:04:05")))
	switch e.Kind {
	case chat.EventMessage:
		dom.Append(li, dom.New("b", "name", e.Name), dom.New("span", "text", e.Text))
	case chat.EventJoin:
		dom.Append(li, dom.New("span", "text", e.Name+" joined"))
	case chat.EventLeave:
		dom.Append(li, dom.New("span", "text", e.Name+" left"))
	default:
		dom.Append(li, dom.New("span", "text", e.Text))
	}
	return li
}

func (p *page) showStatus(s status.Status) {
	p.status.Call("setAttribute", "data-state", s.State.String())
	js.Global().Get("document").Get("body").Call("setAttribute", "data-state", s.State.String()) // greys the member list
	dom.SetText(p.status, s.Text(time.Now()))
}
