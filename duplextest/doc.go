// Package duplextest lets your own tests run as duplex's do: one test
// file, natively and in headless Chrome, against the duplex test harness
// (server_test_harness/harness), with a check that no goroutine (and, in
// the browser, no js.Func that duplex made) outlives the tests.
//
//	func TestMain(m *testing.M) { duplextest.Main(m) }
//
//	func TestEcho(t *testing.T) {
//		c, err := client.Dial(t.Context(), duplextest.URL(t, "/echo"), nil)
//		// write, read, assert ...
//	}
//
// Natively, URL starts a harness in-process on 127.0.0.1 for the test
// (stopped by t.Cleanup). In the browser it reads the harness's address
// from the environment variable EnvURL, which the harness command sets:
//
//	go run github.com/duplex-go/duplex/server_test_harness/cmd/wsharness run -- \
//	    env GOOS=js GOARCH=wasm go test -exec="$(go env GOPATH)/bin/wasmbrowsertest" ./...
//
// (with wasmbrowsertest installed by `go install
// github.com/agnivade/wasmbrowsertest@v0.11.0`). A browser test that
// cannot find the harness fails: it is never skipped. The harness's
// endpoints (/echo, /drop, /close, /reject, /flood, /slow, /silent, ...)
// are listed in package harness.
package duplextest
