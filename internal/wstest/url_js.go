//go:build js && wasm

package wstest

import (
	"os"
	"strings"
	"testing"
)

// base returns the http:// URL of the harness that `wsharness run` started.
func base(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("wstest: %s is not set: browser tests need the harness; run them with `make test`, "+
			"or by hand as bin/wsharness run -- env GOOS=js GOARCH=wasm go test -exec=$PWD/bin/wasmbrowsertest ./...", EnvURL)
	}
	return strings.TrimSuffix(u, "/")
}
