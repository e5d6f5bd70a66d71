//go:build js && wasm

package jsbridge

import (
	"sync"
	"sync/atomic"
	"syscall/js"
)

var live atomic.Int64

// Func is a js.Func whose release [LiveFuncs] counts. Pass f.Value to
// JavaScript.
type Func struct {
	js.Func
	once sync.Once
}

// FuncOf is js.FuncOf, counted by [LiveFuncs] until released. As with
// js.FuncOf, fn runs on the JavaScript event loop: it must not block, and a
// panic in it ends the program.
func FuncOf(fn func(this js.Value, args []js.Value) any) *Func {
	live.Add(1)
	return &Func{Func: js.FuncOf(fn)}
}

// Release frees f's resources. JavaScript must not call f afterwards.
// Release may be called more than once.
func (f *Func) Release() {
	f.once.Do(func() {
		f.Func.Release()
		live.Add(-1)
	})
}

// LiveFuncs returns the number of Funcs made by [FuncOf], including those
// that [Listen] and [Await] make, that are not yet released. Tests use it
// to prove that nothing leaks.
func LiveFuncs() int { return int(live.Load()) }
