//go:build !js

package harness_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// A test dials a scenario by its URL: here, a server that closes with a
// chosen code and reason.
func Example() {
	h := harness.New(nil)
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/close?code=4000&reason=bye", nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	fmt.Println(errors.As(err, &ce), int(ce.Code), ce.Reason)
	// Output: true 4000 bye
}

// A test of a program's own client code: the harness behind httptest, and
// each situation to survive a URL. Here the server echoes one message,
// then closes with 4000. In a test, t.Cleanup takes the place of the
// defers, and every test starts its own harness, or shares one and tags
// its connections with id= so that /stats sees only them.
func Example_client() {
	h := harness.New(nil)
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	base := "ws" + strings.TrimPrefix(srv.URL, "http")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, base+"/close?after=1&code=4000&reason=bye", nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, client.MessageText, []byte("hi")); err != nil {
		panic(err)
	}
	_, p, err := c.Read(ctx)
	fmt.Println(string(p), err)
	_, _, err = c.Read(ctx)
	var ce *client.CloseError
	fmt.Println(errors.As(err, &ce), int(ce.Code), ce.Reason)
	// Output:
	// hi <nil>
	// true 4000 bye
}
