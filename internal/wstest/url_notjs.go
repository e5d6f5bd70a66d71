//go:build !js

package wstest

import (
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

var (
	mu      sync.Mutex
	servers = map[testing.TB]string{}
)

// base starts a harness for t, once, and returns its http:// URL.
func base(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if u, ok := servers[t]; ok {
		return u
	}
	h := harness.New(&harness.Options{Logf: t.Logf})
	srv := httptest.NewServer(h)
	servers[t] = srv.URL
	t.Cleanup(func() {
		mu.Lock()
		delete(servers, t)
		mu.Unlock()
		h.Close()
		srv.Close()
	})
	return srv.URL
}
