//go:build js && wasm

package jsbridge

import (
	"context"
	"syscall/js"
)

var promiseCtor = js.Global().Get("Promise")

type settled struct {
	v   js.Value
	err error
}

// Await waits for promise to settle and returns its value, or its rejection
// reason as an *Error, or ctx.Err() if ctx ends first. A value that is not
// a thenable is returned as it is, like JavaScript's await.
//
// Await never leaves a js.Func behind: its callbacks release themselves
// when the promise settles, and when ctx ends first Await settles them
// itself, so a promise that never settles costs nothing either.
func Await(ctx context.Context, promise js.Value) (js.Value, error) {
	if err := ctx.Err(); err != nil {
		return js.Undefined(), err
	}
	if promise.Type() != js.TypeObject && promise.Type() != js.TypeFunction {
		return promise, nil
	}
	if then, err := Get(promise, "then"); err != nil || then.Type() != js.TypeFunction {
		return promise, err
	}

	// Race the promise against one Await can settle when ctx ends.
	var cancel js.Value
	if ctx.Done() != nil {
		executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
			cancel = args[0]
			return nil
		})
		race := promiseCtor.New(executor)
		executor.Release()
		promise = promiseCtor.Call("race", []any{promise, race})
	}

	ch := make(chan settled, 1)
	var onFulfilled, onRejected *Func
	onFulfilled = FuncOf(func(_ js.Value, args []js.Value) any {
		onFulfilled.Release()
		onRejected.Release()
		ch <- settled{v: arg(args)}
		return nil
	})
	onRejected = FuncOf(func(_ js.Value, args []js.Value) any {
		onFulfilled.Release()
		onRejected.Release()
		ch <- settled{err: errorOf(arg(args))}
		return nil
	})
	if _, err := Call(promise, "then", onFulfilled.Value, onRejected.Value); err != nil {
		onFulfilled.Release()
		onRejected.Release()
		return js.Undefined(), err
	}

	select {
	case s := <-ch:
		return s.v, s.err
	case <-ctx.Done():
		cancel.Invoke() // the callbacks run, unread, and release themselves
		return js.Undefined(), ctx.Err()
	}
}

func arg(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
