// Package client is duplex's portable WebSocket client: one API to dial,
// read, write and close that compiles and behaves the same natively (on
// github.com/coder/websocket) and in the browser (GOOS=js GOARCH=wasm, on
// the page's own WebSocket through package wasm).
//
//	c, err := client.Dial(ctx, "wss://example.com/ws", nil)
//	if err != nil { return err }
//	defer c.CloseNow()
//	err = c.Write(ctx, client.MessageText, []byte("hello"))
//	typ, p, err := c.Read(ctx)
//
// Types are declared once, in files with no build tag; each platform
// supplies only a small unexported transport. The same test file runs on
// both (client_test.go), natively and in headless Chrome.
//
// Error text never holds a URL's credentials: where an error names the
// URL (or a proxy's), its user info, every query value and its fragment
// read REDACTED (wss://REDACTED@example.com/ws?token=REDACTED), since a
// page's WebSocket URL so often carries a token and error text ends up
// in logs. *DialError keeps the URL whole in its URL field.
//
// No server can hang a Conn: whatever it sends or withholds (a frame
// announced and never finished, garbage, silence), every Read, Write,
// Close and CloseNow returns within its ctx or its documented bound, and
// a Read whose ctx ends loses nothing. A message over the read limit is
// refused before it is downloaded natively, and a frame that breaks the
// protocol fails the connection as browsers fail it (docs/platforms.md,
// "Hostile peers").
//
// # Browsers (GOOS=js)
//
// Browsers let a page do less, and duplex says so instead of pretending
// (docs/platforms.md lists every difference):
//
//   - Options.Header, Proxy and TLS are errors (ErrUnsupported): a page
//     cannot send headers or choose a proxy or certificates.
//   - A refused handshake is a *DialError without the HTTP status, which
//     browsers hide. What the page can know, it says: mixed content
//     (ErrMixedContent) and a Content Security Policy (ErrBlockedByCSP)
//     always, and with EnableDialProbe whether anything answers HTTP
//     there (ErrUnreachable, ErrUpgradeRefused).
//   - Close codes: browsers send only 1000 and 3000-4999, so both platforms
//     send 1001-1015 as 4001-4015 (WireCode).
//   - CloseNow sends a close frame: a page cannot cut a connection.
//   - Writer sends the message whole at Close: a page cannot send frames.
//   - A page whose Content Security Policy forbids 'unsafe-eval' needs
//     EnableCSPFallback.
//
// A byte stream (HTTP/2, gRPC, yamux) runs over a Conn through package
// client/netconn, kept apart because package net costs a page ~70 KB.
package client
