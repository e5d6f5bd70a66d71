//go:build !js

package harness_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

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
