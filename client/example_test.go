package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/duplex-go/duplex/client"
)

// echoURL stands for your server. ExampleDial is compiled, not run: it
// would need one.
var echoURL = "ws://127.0.0.1:8080/echo"

func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, echoURL, &client.Options{Subprotocols: []string{"chat.v1"}})
	if err != nil {
		var de *client.DialError
		if errors.As(err, &de) && de.StatusCode == 429 {
			fmt.Println("try again in", de.RetryAfter)
		}
		return
	}
	defer c.CloseNow()
	if err := c.Write(ctx, client.MessageText, []byte("hello")); err != nil {
		return
	}
	_, p, err := c.Read(ctx)
	if err != nil {
		return
	}
	fmt.Println(string(p))
	_ = c.Close(client.StatusNormalClosure, "bye")
}

// Reader hands over a message's body as an io.Reader, to stream a large
// message instead of holding it whole; read it to io.EOF. (Compiled, not
// run: it needs a server.)
func ExampleConn_Reader() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, echoURL, &client.Options{ReadLimit: 64 << 20})
	if err != nil {
		return
	}
	defer c.CloseNow()
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return
	}
	// The read limit, and UTF-8 for text, are checked as the body is read.
	n, err := io.Copy(io.Discard, r)
	fmt.Println(typ, n, err)
}

// Writer sends one message written in pieces: it is complete, and
// in the browser sent, when Close returns. Other Writes wait for it.
func ExampleConn_Writer() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, echoURL, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	w, err := c.Writer(ctx, client.MessageText)
	if err != nil {
		return
	}
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if err := w.Close(); err != nil {
		return
	}
	_ = c.Close(client.StatusNormalClosure, "")
}

func ExampleCloseStatus() {
	// Read returns how the server closed the connection.
	err := error(&client.CloseError{Code: client.StatusGoingAway, Reason: "restarting", WasClean: true})
	switch client.CloseStatus(err) {
	case client.StatusNormalClosure:
		fmt.Println("done")
	case client.StatusGoingAway:
		fmt.Println("server restarting: reconnect")
	}
	// Output: server restarting: reconnect
}

func ExampleWireCode() {
	for _, code := range []client.StatusCode{client.StatusNormalClosure, client.StatusPolicyViolation, 4321, 2000} {
		sent, ok := client.WireCode(code)
		fmt.Println(code, "goes out as", int(sent), ok)
	}
	// Output:
	// StatusNormalClosure goes out as 1000 true
	// StatusPolicyViolation goes out as 4008 true
	// StatusCode(4321) goes out as 4321 true
	// StatusCode(2000) goes out as 4011 false
}

// In the browser a failed Dial says why where the page can know: mixed
// content and the page's Content Security Policy always, and, after
// EnableDialProbe, whether anything answers HTTP at the address at all
// (one request per failed dial: turn it on in a development build).
// Natively the *DialError has the HTTP status or the network's error
// instead. (Compiled, not run: it needs a server.)
func ExampleEnableDialProbe() {
	client.EnableDialProbe()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, echoURL, nil)
	switch {
	case errors.Is(err, client.ErrMixedContent), errors.Is(err, client.ErrBlockedByCSP):
		fmt.Println("the page refused the URL:", err) // the text says what to change
		return
	case errors.Is(err, client.ErrUnreachable):
		fmt.Println("no server there:", err)
		return
	case errors.Is(err, client.ErrUpgradeRefused):
		fmt.Println("the server refused the WebSocket: see its logs")
		return
	case err != nil:
		return
	}
	defer c.CloseNow()
}
