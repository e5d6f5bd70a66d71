//go:build js && wasm

package reconnect

import (
	"syscall/js"

	"github.com/duplex-go/duplex/jsbridge"
)

// watchPage tells c what the page's lifecycle does (page.go): the
// browser's online event, navigator.onLine (c.offline), visibilitychange
// (document.hidden), and pagehide and pageshow when the page goes into or
// comes out of the back/forward cache (persisted). It returns the func
// that stops listening. An event the page cannot listen to (a worker has
// no document) is left out. The listeners read the event, and call c,
// which neither blocks nor panics.
func watchPage(c *Conn) (stop func()) {
	g := js.Global()
	doc := get(g, "document")
	c.hidden = isTrue(get(doc, "hidden"))
	c.offline = func() bool {
		return get(get(js.Global(), "navigator"), "onLine").Equal(js.ValueOf(false))
	}
	var releases []func()
	for i, ev := range [...]string{"online", "visibilitychange", "pagehide", "pageshow"} {
		target := g
		if i == 1 {
			target = doc
		}
		if release, err := jsbridge.Listen(target, ev, func(e js.Value) { c.pageEvent(i, doc, e) }); err == nil {
			releases = append(releases, release)
		}
	}
	return func() {
		for _, release := range releases {
			release()
		}
	}
}

// pageEvent is told the i-th event of watchPage's list, e.
func (c *Conn) pageEvent(i int, doc, e js.Value) {
	switch {
	case i == 0:
		signal(c.online)
	case i == 1:
		c.pageVisibility(isTrue(get(doc, "hidden")))
	case !isTrue(get(e, "persisted")):
		// Not the back/forward cache: the page is unloaded, or shown
		// for the first time.
	case i == 2:
		c.pageHide()
	default:
		c.pageShow()
	}
}

// get returns v[name], undefined where that throws (v is not an object).
func get(v js.Value, name string) js.Value {
	r, _ := jsbridge.Get(v, name)
	return r
}

// isTrue reports whether v is true. (Equal, not Type and Bool: less code
// in every page.)
func isTrue(v js.Value) bool { return v.Equal(js.ValueOf(true)) }

// pageVisibility: the page was hidden, or shown again (page.go).
func (c *Conn) pageVisibility(hidden bool) {
	c.mu.Lock()
	c.hidden = hidden
	var poke func()
	if c.cur != nil {
		poke = c.cur.poke
	}
	c.mu.Unlock()
	if !hidden {
		signal(c.wake)
		if poke != nil {
			poke() // the heartbeat: ping now
		}
	}
}

// pageHide: the page goes into the back/forward cache (page.go).
func (c *Conn) pageHide() {
	c.mu.Lock()
	c.suspended = true
	l := c.cur
	c.mu.Unlock()
	if l != nil {
		// The close frame goes out now, in this listener: once it
		// returns, the page may be frozen.
		c.lose(l, errPageHidden, pageHidden)
	}
}

// pageShow: the page is back from the back/forward cache (page.go).
func (c *Conn) pageShow() {
	c.mu.Lock()
	c.suspended = false
	c.mu.Unlock()
	signal(c.wake)
}

// pingFrames: Heartbeat.Frames can be honoured: browsers let a page send
// no ping frame.
const pingFrames = false
