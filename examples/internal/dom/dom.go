//go:build js && wasm

// Package dom is the little of the DOM the demos' pages use, over
// syscall/js: finding, making and filling elements, and listening to
// their events through jsbridge, so that nothing the page does throws a
// JavaScript exception at Go.
package dom

import (
	"syscall/js"

	"github.com/duplex-go/duplex/jsbridge"
)

var document = js.Global().Get("document")

// ID returns the element with id id; it must exist.
func ID(id string) js.Value { return document.Call("getElementById", id) }

// New returns a new element with tag, class (if not "") and text.
func New(tag, class, text string) js.Value {
	el := document.Call("createElement", tag)
	if class != "" {
		el.Set("className", class)
	}
	if text != "" {
		el.Set("textContent", text)
	}
	return el
}

// Append appends children to parent.
func Append(parent js.Value, children ...js.Value) {
	for _, c := range children {
		parent.Call("appendChild", c)
	}
}

// Clear removes every child of el.
func Clear(el js.Value) { el.Set("textContent", "") }

// SetText sets el's text.
func SetText(el js.Value, s string) { el.Set("textContent", s) }

// Value returns the value of an input element.
func Value(el js.Value) string { return el.Get("value").String() }

// Show shows or hides el.
func Show(el js.Value, show bool) { el.Set("hidden", !show) }

// ScrollToEnd scrolls el to its bottom.
func ScrollToEnd(el js.Value) { el.Set("scrollTop", el.Get("scrollHeight")) }

// Param returns the page URL's query parameter name, or "".
func Param(name string) string {
	v := js.Global().Get("URLSearchParams").New(js.Global().Get("location").Get("search")).Call("get", name)
	if v.IsNull() {
		return ""
	}
	return v.String()
}

// On calls fn with each event of type event on el; fn runs in the
// browser's event loop, so it must not block. A "submit" event's
// default (reloading the page) is prevented.
func On(el js.Value, event string, fn func(js.Value)) {
	_, err := jsbridge.Listen(el, event, func(e js.Value) {
		if event == "submit" {
			e.Call("preventDefault")
		}
		fn(e)
	})
	if err != nil {
		js.Global().Get("console").Call("error", "dom: "+err.Error())
	}
}
