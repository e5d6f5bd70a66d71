// Package cbor is the CBOR codec of package codec: a compact binary format
// for any Go value (RFC 8949, through github.com/fxamacker/cbor/v2), and a
// Router envelope in it.
//
//	c, err := client.Dial(ctx, "wss://example.com/quotes", nil)
//	if err != nil { return err }
//	quotes := codec.NewConn(c, cbor.Codec[Quote]{})
//	err = quotes.Send(ctx, Quote{Symbol: "ACME"})
//	r := codec.NewRouter(c, &codec.RouterOptions{Format: cbor.Format{}})
//
// It is a package of its own because the CBOR library's initialization is
// linked into every program that imports it, used or not: about 64 KB of
// gzipped wasm (docs/benchmarks.md). Programs that use only JSON or
// codec.Marshaler do not pay for it.
//
// # Browsers (GOOS=js)
//
// It works the same in the browser; its tests run in headless Chrome.
package cbor
