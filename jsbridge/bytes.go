//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
)

var (
	uint8Array  = js.Global().Get("Uint8Array")
	arrayBuffer = js.Global().Get("ArrayBuffer")
	blobCtor    = js.Global().Get("Blob")
)

// ErrNotBytes is returned for a value that holds no bytes to copy.
var ErrNotBytes = errors.New("jsbridge: not an ArrayBuffer, typed array, DataView or Blob")

// CopyToGo copies the bytes of an ArrayBuffer, a SharedArrayBuffer, any
// typed array or a DataView into a new Go slice.
func CopyToGo(v js.Value) ([]byte, error) {
	u8, err := bytesView(v)
	if err != nil {
		return nil, err
	}
	p := make([]byte, u8.Get("byteLength").Int())
	js.CopyBytesToGo(p, u8)
	return p, nil
}

// ByteLength returns the number of bytes CopyToGo would copy, or a Blob's
// size, without copying anything.
func ByteLength(v js.Value) (int, error) {
	if v.Type() == js.TypeObject && v.InstanceOf(blobCtor) {
		return v.Get("size").Int(), nil
	}
	u8, err := bytesView(v)
	if err != nil {
		return 0, err
	}
	return u8.Get("byteLength").Int(), nil
}

// bytesView returns a Uint8Array over v's bytes.
func bytesView(v js.Value) (js.Value, error) {
	if v.Type() != js.TypeObject {
		return js.Value{}, notBytes("got " + v.Type().String())
	}
	var u8 js.Value
	err := Try(func() {
		switch {
		case v.InstanceOf(uint8Array):
			u8 = v
		case arrayBuffer.Call("isView", v).Bool(): // typed arrays, DataView
			u8 = uint8Array.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
		case v.Get("byteLength").Type() == js.TypeNumber && v.Get("slice").Type() == js.TypeFunction:
			u8 = uint8Array.New(v) // ArrayBuffer, SharedArrayBuffer
		}
	})
	if err != nil {
		return js.Value{}, err
	}
	if u8.IsUndefined() {
		return js.Value{}, notBytes("got " + js.Global().Get("Object").Get("prototype").Get("toString").Call("call", v).String())
	}
	return u8, nil
}

// CopyToJS copies p into a new Uint8Array.
func CopyToJS(p []byte) js.Value {
	u8 := uint8Array.New(len(p))
	js.CopyBytesToJS(u8, p)
	return u8
}

// BlobBytes reads a Blob's bytes into a new Go slice, waiting for
// blob.arrayBuffer() with ctx.
func BlobBytes(ctx context.Context, blob js.Value) ([]byte, error) {
	if blob.Type() != js.TypeObject || !blob.InstanceOf(blobCtor) {
		return nil, notBytes("want a Blob, got " + blob.Type().String())
	}
	buf, err := Await(ctx, blob.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return CopyToGo(buf)
}

// notBytes is ErrNotBytes with what was found instead.
func notBytes(detail string) error {
	return &wrapError{msg: ErrNotBytes.Error() + ": " + detail, err: ErrNotBytes}
}
