// Package codec sends and receives typed messages over any connection with
// the message Read/Write surface (MessageConn: a *client.Conn, a
// *reconnect.Conn, a Pipe): JSON, encoding.BinaryMarshaler types, raw text
// and bytes, and CBOR (a compact binary format for any struct, in package
// codec/cbor); and it routes several kinds of message, and calls with
// replies, on one socket.
//
//	c, err := client.Dial(ctx, "wss://example.com/quotes", nil)
//	if err != nil { return err }
//	quotes := codec.NewConn(c, codec.JSON[Quote]{})
//	err = quotes.Send(ctx, Quote{Symbol: "ACME"})
//	q, err := quotes.Receive(ctx) // a *DecodeError if it does not decode
//
// A message that does not decode is an error for that message only, a
// *DecodeError carrying it: the connection stays open (unlike
// coder/websocket's wsjson, which closes it). Decoders refuse messages
// over their Limits (size, nesting depth, CBOR element counts) with a
// typed error before they can cost a deep recursion or much memory.
//
// Several kinds on one socket go through a Router, in envelopes that name
// the kind (JSONFormat shows them):
//
//	r := codec.NewRouter(c, nil)
//	codec.Handle(r, "chat", func(ctx context.Context, m Chat) error { ... })
//	codec.HandleCall(r, "add", func(ctx context.Context, a Add) (Sum, error) { ... })
//	go r.Run(ctx)
//	err = chat.Send(ctx, r, Chat{Text: "hi"}) // chat := codec.NewKind[Chat]("chat")
//	sum, err := codec.Call[Add, Sum](ctx, r, "add", Add{A: 1, B: 2})
//
// # Choosing a codec
//
// JSON is readable and what most servers speak. CBOR (cbor.Codec, and
// cbor.Format for a Router) is smaller on the wire and faster, for any
// struct, but its library is the largest addition to a browser build, so
// it lives in package codec/cbor: programs that do not import it do not
// pay for it. Marshaler uses the type's own MarshalBinary and
// UnmarshalBinary, with no reflection: the smallest build and the fastest
// codec, for types you write the encoding of. docs/benchmarks.md has the
// numbers.
//
// # Browsers (GOOS=js)
//
// Everything works the same in the browser; the tests run in headless
// Chrome. What a codec adds to the page's download is in
// docs/benchmarks.md: a program pays for the codecs it uses, and for one
// thing more: package codec imports encoding/json (for JSON), whose
// initialization, with the fmt and os it brings, is about 28 KB gzipped
// in a program that uses no JSON. Package codec itself uses neither fmt
// nor net.
package codec
