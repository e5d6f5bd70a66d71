//go:build !js

package wsserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
)

// A Go server answers a duplex client's calls with the client's own
// Router and types: the handler is all the server-side code.
func Example() {
	type Add struct{ A, B int }
	type Sum struct{ Sum int }

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsserver.Accept(w, r, nil)
		if err != nil {
			return // Accept wrote the HTTP error
		}
		defer c.CloseNow()
		router := codec.NewRouter(c, nil)
		codec.HandleCall(router, "add", func(_ context.Context, a Add) (Sum, error) {
			return Sum{a.A + a.B}, nil
		})
		_ = router.Run(r.Context()) // until the client goes
	}))
	defer srv.Close()

	ctx := context.Background()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	router := codec.NewRouter(c, nil)
	go func() { _ = router.Run(ctx) }()
	sum, err := codec.Call[Add, Sum](ctx, router, "add", Add{A: 1, B: 2})
	fmt.Println(sum.Sum, err)
	// Output: 3 <nil>
}
