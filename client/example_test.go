package client_test

import (
	"context"
	"errors"
	"fmt"
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
