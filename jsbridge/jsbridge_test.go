//go:build js && wasm

package jsbridge_test

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/jsbridge"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// noLeak fails t if the test leaves a jsbridge js.Func unreleased.
func noLeak(t *testing.T) {
	before := jsbridge.LiveFuncs()
	t.Cleanup(func() {
		assert.Equal(t, before, jsbridge.LiveFuncs(), "js.Funcs left unreleased")
	})
}

// eval runs JavaScript source and returns its value: for test fixtures.
func eval(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

func TestTry(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fn      func()
		errName string
		message string
	}{
		{"SyntaxError from a constructor", func() { js.Global().Get("WebSocket").New("ftp://127.0.0.1/") }, "SyntaxError", "ftp"},
		{"TypeError", func() { js.Global().Call("undefinedFunctionForTest") }, "TypeError", "undefinedFunctionForTest"},
		{"thrown string", func() { eval(`() => { throw "just a string" }`).Invoke() }, "", "just a string"},
		{"thrown number", func() { eval(`() => { throw 42 }`).Invoke() }, "", "42"},
		{"DOMException", func() {
			eval(`() => { throw new DOMException("nope", "InvalidAccessError") }`).Invoke()
		}, "InvalidAccessError", "nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := jsbridge.Try(tt.fn)
			var jerr *jsbridge.Error
			require.ErrorAs(t, err, &jerr)
			assert.Equal(t, tt.errName, jerr.Name, "name")
			assert.Contains(t, jerr.Message, tt.message, "message")
			assert.Contains(t, err.Error(), "jsbridge: ")
		})
	}

	t.Run("ValueError", func(t *testing.T) {
		err := jsbridge.Try(func() { js.Undefined().Get("x") })
		var verr *js.ValueError
		require.ErrorAs(t, err, &verr, "a ValueError, wrapped")
		assert.Equal(t, "Value.Get", verr.Method)
	})
	t.Run("no panic", func(t *testing.T) {
		assert.NoError(t, jsbridge.Try(func() { js.Global().Get("Math").Call("abs", -1) }))
	})
	t.Run("Go panics still panic", func(t *testing.T) {
		defer func() {
			assert.Equal(t, "a Go bug", recover(), "re-panicked value")
		}()
		_ = jsbridge.Try(func() { panic("a Go bug") })
		t.Error("Try returned")
	})
}

func TestCallNewGet(t *testing.T) {
	v, err := jsbridge.Call(js.Global().Get("Math"), "max", 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 7, v.Int())

	_, err = jsbridge.Call(js.Global().Get("JSON"), "parse", "{not json")
	var jerr *jsbridge.Error
	require.ErrorAs(t, err, &jerr)
	assert.Equal(t, "SyntaxError", jerr.Name)

	_, err = jsbridge.New(js.Global().Get("WebSocket"), "ws://[not-a-host")
	require.ErrorAs(t, err, &jerr)
	assert.Equal(t, "SyntaxError", jerr.Name)

	_, err = jsbridge.Get(js.Null(), "x")
	assert.Error(t, err, "Get on null")
	v, err = jsbridge.Get(js.Global(), "Math")
	require.NoError(t, err)
	assert.Equal(t, js.TypeObject, v.Type())
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	t.Run("fulfilled", func(t *testing.T) {
		noLeak(t)
		v, err := jsbridge.Await(ctx, js.Global().Get("Promise").Call("resolve", 42))
		require.NoError(t, err)
		assert.Equal(t, 42, v.Int())
	})
	t.Run("fulfilled later", func(t *testing.T) {
		noLeak(t)
		p := eval(`new Promise(r => setTimeout(() => r("later"), 20))`)
		v, err := jsbridge.Await(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, "later", v.String())
	})
	t.Run("rejected with an Error", func(t *testing.T) {
		noLeak(t)
		_, err := jsbridge.Await(ctx, eval(`Promise.reject(new DOMException("gone", "AbortError"))`))
		var jerr *jsbridge.Error
		require.ErrorAs(t, err, &jerr)
		assert.Equal(t, "AbortError", jerr.Name)
		assert.Equal(t, "gone", jerr.Message)
	})
	t.Run("rejected with a string", func(t *testing.T) {
		noLeak(t)
		_, err := jsbridge.Await(ctx, eval(`Promise.reject("plain")`))
		var jerr *jsbridge.Error
		require.ErrorAs(t, err, &jerr)
		assert.Equal(t, "", jerr.Name)
		assert.Equal(t, "plain", jerr.Message)
	})
	t.Run("not a promise", func(t *testing.T) {
		noLeak(t)
		v, err := jsbridge.Await(ctx, js.ValueOf("already here"))
		require.NoError(t, err)
		assert.Equal(t, "already here", v.String())
	})
	t.Run("cancelled while waiting, on a promise that never settles", func(t *testing.T) {
		noLeak(t)
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := jsbridge.Await(ctx, eval(`new Promise(() => {})`))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		// The callbacks release themselves once the race settles.
		require.Eventually(t, func() bool { return jsbridge.LiveFuncs() == 0 }, time.Second, time.Millisecond, "callbacks released")
	})
	t.Run("cancelled before", func(t *testing.T) {
		noLeak(t)
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := jsbridge.Await(ctx, js.Global().Get("Promise").Call("resolve", 1))
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestListen(t *testing.T) {
	noLeak(t)
	target := js.Global().Get("EventTarget").New()
	got := make(chan string, 4)
	release, err := jsbridge.Listen(target, "ping", func(e js.Value) {
		got <- e.Get("type").String()
	})
	require.NoError(t, err)
	assert.Equal(t, 1, jsbridge.LiveFuncs(), "one js.Func while listening")

	target.Call("dispatchEvent", js.Global().Get("Event").New("ping"))
	assert.Equal(t, "ping", <-got)

	release()
	release() // twice is fine
	assert.Equal(t, 0, jsbridge.LiveFuncs(), "released")
	// No listener is left: dispatching calls nothing (a released js.Func
	// would throw "call to released function").
	require.NoError(t, jsbridge.Try(func() {
		target.Call("dispatchEvent", js.Global().Get("Event").New("ping"))
	}))
	assert.Empty(t, got, "no call after release")

	_, err = jsbridge.Listen(js.Null(), "ping", func(js.Value) {})
	assert.Error(t, err, "listening on null")
	assert.Equal(t, 0, jsbridge.LiveFuncs(), "nothing left after a failed Listen")
}

func TestCopy(t *testing.T) {
	want := []byte{0, 1, 2, 3, 250, 255}
	u8 := jsbridge.CopyToJS(want)
	assert.Equal(t, len(want), u8.Get("length").Int())

	for _, tt := range []struct {
		name string
		v    js.Value
		want []byte
	}{
		{"Uint8Array", u8, want},
		{"ArrayBuffer", u8.Get("buffer"), want},
		{"subarray", u8.Call("subarray", 2, 4), []byte{2, 3}},
		{"DataView", js.Global().Get("DataView").New(u8.Get("buffer"), 1, 2), []byte{1, 2}},
		{"Uint16Array", eval(`new Uint16Array([0x0102])`), []byte{2, 1}},
		{"empty", eval(`new ArrayBuffer(0)`), []byte{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := jsbridge.ByteLength(tt.v)
			require.NoError(t, err)
			assert.Equal(t, len(tt.want), n, "byte length")
			got, err := jsbridge.CopyToGo(tt.v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, v := range []js.Value{js.ValueOf("a string"), js.ValueOf(3), js.Null(), js.Global().Get("Object").New()} {
		_, err := jsbridge.CopyToGo(v)
		assert.ErrorIs(t, err, jsbridge.ErrNotBytes, "%s", v.Type())
	}
}

func TestBlobBytes(t *testing.T) {
	noLeak(t)
	blob := js.Global().Get("Blob").New([]any{jsbridge.CopyToJS([]byte("blob ")), "bytes"})
	n, err := jsbridge.ByteLength(blob)
	require.NoError(t, err)
	assert.Equal(t, 10, n, "Blob size")
	got, err := jsbridge.BlobBytes(context.Background(), blob)
	require.NoError(t, err)
	assert.Equal(t, "blob bytes", string(got))

	_, err = jsbridge.BlobBytes(context.Background(), js.ValueOf("not a blob"))
	assert.ErrorIs(t, err, jsbridge.ErrNotBytes)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = jsbridge.BlobBytes(ctx, blob)
	assert.True(t, errors.Is(err, context.Canceled))
}
