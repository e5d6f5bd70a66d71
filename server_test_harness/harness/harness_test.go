//go:build !js

package harness_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// server starts a harness for one test and returns its base URLs.
type server struct {
	h    *harness.Harness
	http string // http://127.0.0.1:port
	ws   string // ws://127.0.0.1:port
}

func start(t *testing.T, opts *harness.Options) *server {
	t.Helper()
	h := harness.New(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		require.NoError(t, h.Close())
		srv.Close()
	})
	return &server{h: h, http: srv.URL, ws: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(testCtx(t), url, opts)
	require.NoError(t, err, "dial %s", url)
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func read(t *testing.T, c *websocket.Conn) (websocket.MessageType, []byte) {
	t.Helper()
	typ, p, err := c.Read(testCtx(t))
	require.NoError(t, err, "read")
	return typ, p
}

func getStats(t *testing.T, s *server, id string) harness.Stats {
	t.Helper()
	resp, err := http.Get(s.http + "/stats?id=" + id)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), "CORS header")
	var st harness.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	return st
}

// eventually polls cond, for things the server does after the client has
// moved on (counting a close frame, say).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, what)
}

func TestEcho(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/echo", nil)
	ctx := testCtx(t)
	for _, tt := range []struct {
		name string
		typ  websocket.MessageType
		p    []byte
	}{
		{"text", websocket.MessageText, []byte("hello, duplex")},
		{"binary", websocket.MessageBinary, []byte{0, 1, 2, 0xff}},
		{"empty text", websocket.MessageText, []byte{}},
		{"empty binary", websocket.MessageBinary, []byte{}},
		{"1 MiB binary", websocket.MessageBinary, make([]byte, 1<<20)},
	} {
		require.NoError(t, c.Write(ctx, tt.typ, tt.p), tt.name)
		typ, p := read(t, c)
		assert.Equal(t, tt.typ, typ, "%s: message type", tt.name)
		assert.Equal(t, tt.p, p, "%s: payload", tt.name)
	}
}
