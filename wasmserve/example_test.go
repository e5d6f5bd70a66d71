//go:build !js

package wasmserve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/duplex-go/duplex/wasmserve"
)

// A page's files served as a browser asks for them: the wasm gzipped,
// with the type WebAssembly.instantiateStreaming needs.
func ExampleHandler() {
	web := fstest.MapFS{
		"index.html":   {Data: []byte(`<script src="wasm_exec.js"></script>`)},
		"wasm_exec.js": {Data: []byte("// the one of the Go that built main.wasm")},
		"main.wasm":    {Data: make([]byte, 64<<10)},
	}
	srv := httptest.NewServer(wasmserve.Handler(web))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/main.wasm", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	resp, err := http.DefaultTransport.RoundTrip(req) // as a browser: no transparent gunzip
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
	fmt.Println("under 1 KB sent for 64 KB:", len(body) < 1<<10)
	// Output:
	// application/wasm gzip
	// under 1 KB sent for 64 KB: true
}
