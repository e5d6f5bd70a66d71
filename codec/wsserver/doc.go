// Package wsserver runs package codec on the server: it turns a
// server-side coder/websocket connection (from websocket.Accept) into a
// codec.MessageConn, so that the same Codec[T], Router and Call that a
// page or a native client uses run in a Go server too.
//
//	c, err := wsserver.Accept(w, r, nil) // in an http.Handler
//	if err != nil { return }             // Accept wrote the HTTP error
//	defer c.CloseNow()
//	router := codec.NewRouter(c, nil)
//	codec.HandleCall(router, "add", func(ctx context.Context, a Add) (Sum, error) { ... })
//	err = router.Run(r.Context())
//
// Errors speak client's vocabulary: a close from the peer is a
// *client.CloseError (errors.As), a message over the read limit is
// client.ErrMessageTooBig, invalid UTF-8 client.ErrInvalidUTF8, and a
// closed connection net.ErrClosed, with coder/websocket's own error kept
// in the chain.
//
// The package is for servers: it builds natively only (a page never needs
// it, and its coder/websocket and net/http would cost it over 600 KB).
package wsserver
