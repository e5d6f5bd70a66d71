//go:build !js

package wsserver

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// Conn is a coder/websocket connection as a codec.MessageConn. Like the
// connection it wraps, it is safe for one Read at a time alongside any
// number of Writes and a Close.
//
// Read and Write are coder/websocket's, with one difference in what they
// accept (text must be UTF-8, both ways) and client's names for their
// errors. One thing differs from a client.Conn: when the ctx of a Read
// or a Write ends while it waits, coder/websocket closes the connection.
// A server usually reads with the request's context, which ends with the
// connection anyway.
type Conn struct {
	ws *websocket.Conn
}

// New returns ws as a Conn. ws keeps its own settings, such as its read
// limit (coder/websocket's default is 32 KiB: ws.SetReadLimit changes it).
func New(ws *websocket.Conn) *Conn { return &Conn{ws: ws} }

// Accept accepts a WebSocket handshake from a client, as
// websocket.Accept does, and returns the connection as a Conn. If it
// fails, it has written an HTTP error to w.
func Accept(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*Conn, error) {
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return nil, errs.Wrap("wsserver: accept", err)
	}
	return New(ws), nil
}

// WebSocket returns the coder/websocket connection, for what Conn does not
// do itself (Ping, Subprotocol, SetReadLimit, ...).
func (c *Conn) WebSocket() *websocket.Conn { return c.ws }

// Read reads the next whole message. A text message that is not UTF-8
// closes the connection with 1007 (StatusInvalidFramePayloadData), as
// browsers and client.Conn do, and Read returns an error wrapping
// client.ErrInvalidUTF8. A message over the read limit closes it with
// 1009 (coder/websocket does) and Read returns an error wrapping
// client.ErrMessageTooBig. When the peer closed, the error holds a
// *client.CloseError with its code and reason.
func (c *Conn) Read(ctx context.Context) (client.MessageType, []byte, error) {
	typ, p, err := c.ws.Read(ctx)
	if err != nil {
		return 0, nil, readError(err)
	}
	switch typ {
	case websocket.MessageText:
		if !utf8.Valid(p) {
			_ = c.ws.Close(websocket.StatusInvalidFramePayloadData, "text is not valid UTF-8")
			return 0, nil, errs.Msg("wsserver: read: text is not valid UTF-8; closed with 1007", client.ErrInvalidUTF8)
		}
		return client.MessageText, p, nil
	case websocket.MessageBinary:
		return client.MessageBinary, p, nil
	}
	return 0, nil, errors.New("wsserver: read: unknown message type " + strconv.Itoa(int(typ)))
}

// readError is err from coder/websocket's Read in client's words.
func readError(err error) error {
	msg := "wsserver: read: " + err.Error()
	if ce, ok := errors.AsType[websocket.CloseError](err); ok {
		return errs.Join(msg, &client.CloseError{Code: client.StatusCode(ce.Code), Reason: ce.Reason, WasClean: true}, err)
	}
	if errors.Is(err, websocket.ErrMessageTooBig) {
		return errs.Join(msg, client.ErrMessageTooBig, err)
	}
	return errs.Wrap("wsserver: read", err)
}

// Write sends p as one message of type typ. Text that is not UTF-8 is
// refused with client.ErrInvalidUTF8 before anything is sent.
func (c *Conn) Write(ctx context.Context, typ client.MessageType, p []byte) error {
	var t websocket.MessageType
	switch typ {
	case client.MessageText:
		if !utf8.Valid(p) {
			return errs.Msg("wsserver: write: text is not valid UTF-8; nothing was sent", client.ErrInvalidUTF8)
		}
		t = websocket.MessageText
	case client.MessageBinary:
		t = websocket.MessageBinary
	default:
		return errors.New("wsserver: write: " + typ.String() + " is not a message type")
	}
	if err := c.ws.Write(ctx, t, p); err != nil {
		return errs.Wrap("wsserver: write", err)
	}
	return nil
}

// Close sends a close frame with code and reason, waits (up to
// coder/websocket's 5 s) for the peer's, and closes the connection.
func (c *Conn) Close(code client.StatusCode, reason string) error {
	if err := c.ws.Close(websocket.StatusCode(code), reason); err != nil {
		return errs.Wrap("wsserver: close", err)
	}
	return nil
}

// CloseNow closes the connection at once, with no close handshake.
func (c *Conn) CloseNow() error {
	if err := c.ws.CloseNow(); err != nil {
		return errs.Wrap("wsserver: close", err)
	}
	return nil
}
