//go:build !js

package harness_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// The handshake: subprotocols, origins, refusals, a server that never answers.

func TestEchoSubprotocols(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		offer []string
		want  string
	}{
		{"client's first by default", "", []string{"b.duplex", "a.duplex"}, "b.duplex"},
		{"server's preference", "?protocols=a.duplex,b.duplex", []string{"b.duplex", "a.duplex"}, "a.duplex"},
		{"none in common", "?protocols=x.duplex", []string{"b.duplex"}, ""},
		{"none offered", "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s.ws+"/echo"+tt.query, &websocket.DialOptions{Subprotocols: tt.offer})
			assert.Equal(t, tt.want, c.Subprotocol(), "negotiated subprotocol")
		})
	}
}

func TestEchoInfo(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	id := "info"
	c := dial(t, s.ws+"/echo?info=1&compress=nocontext&id="+id, &websocket.DialOptions{
		Subprotocols:    []string{"chat.duplex"},
		CompressionMode: websocket.CompressionNoContextTakeover,
		HTTPHeader:      http.Header{"X-Duplex-Test": {"yes"}, "Origin": {"http://page.test"}},
	})
	typ, p := read(t, c)
	require.Equal(t, websocket.MessageText, typ, "info message type")
	var info harness.ConnInfo
	require.NoError(t, json.Unmarshal(p, &info))
	assert.Equal(t, "chat.duplex", info.Subprotocol)
	assert.Contains(t, info.Extensions, "permessage-deflate", "negotiated extension")
	assert.Equal(t, "http://page.test", info.Origin)
	assert.Equal(t, []string{"yes"}, info.Header["X-Duplex-Test"], "request header")

	// The echo continues after the info message, compressed.
	big := strings.Repeat("compressible ", 1000)
	require.NoError(t, c.Write(testCtx(t), websocket.MessageText, []byte(big)))
	_, p = read(t, c)
	assert.Equal(t, big, string(p), "echo after info")

	st := getStats(t, s, id)
	require.Len(t, st.Conns, 1)
	assert.Contains(t, st.Conns[0].Extensions, "permessage-deflate", "stats: extensions")
	assert.Equal(t, "chat.duplex", st.Conns[0].Subprotocol, "stats: subprotocol")
}

func TestOrigins(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		opts     *harness.Options
		query    string
		origin   string
		accepted bool
	}{
		{"any origin by default", nil, "", "http://anywhere.test", true},
		{"query allows", nil, "?origins=page.test", "http://page.test", true},
		{"query refuses", nil, "?origins=page.test", "http://evil.test", false},
		{"option allows", &harness.Options{OriginPatterns: []string{"*.page.test"}}, "", "http://a.page.test", true},
		{"option refuses", &harness.Options{OriginPatterns: []string{"page.test"}}, "", "http://evil.test", false},
		{"query overrides option", &harness.Options{OriginPatterns: []string{"page.test"}}, "?origins=evil.test", "http://evil.test", true},
		{"same host always allowed", &harness.Options{OriginPatterns: []string{"page.test"}}, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, tt.opts)
			sep := "?"
			if strings.Contains(tt.query, "?") {
				sep = "&"
			}
			origin := tt.origin
			if origin == "" {
				origin = s.http // the harness's own host
			}
			c, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo"+tt.query+sep+"id=o", &websocket.DialOptions{
				HTTPHeader: http.Header{"Origin": {origin}},
			})
			st := getStats(t, s, "o")
			if tt.accepted {
				require.NoError(t, err)
				c.CloseNow()
				assert.Equal(t, int64(1), st.Handshakes, "handshakes")
				return
			}
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "status")
			assert.Equal(t, int64(1), st.Refused, "refused")
			assert.Equal(t, int64(0), st.Handshakes, "handshakes")
		})
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Run("each", func(t *testing.T) {
		for _, tt := range []struct {
			name       string
			query      string
			status     int
			retryAfter string
			location   string
		}{
			{"default 403", "", 403, "", ""},
			{"503 with retry-after", "?status=503&retry_after=7", 503, "7", ""},
			{"429", "?status=429&retry_after=2", 429, "2", ""},
			{"redirect", "?status=302", 302, "", "/echo"},
			{"redirect elsewhere", "?status=301&location=/close", 301, "", "/close"},
			{"absurd retry-after", "?status=503&retry_after=99999999999999999999", 503, "99999999999999999999", ""},
			{"retry-after in the year 9999", "?status=503&retry_after=Fri,+31+Dec+9999+23:59:59+GMT", 503, "Fri, 31 Dec 9999 23:59:59 GMT", ""},
			{"negative retry-after", "?status=429&retry_after=-1", 429, "-1", ""},
			{"retry-after that is no number", "?status=503&retry_after=soon", 503, "soon", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				// Through a WebSocket client: the handshake fails with the status.
				_, resp, err := websocket.Dial(testCtx(t), s.ws+"/reject"+tt.query, &websocket.DialOptions{HTTPClient: noRedirect})
				require.Error(t, err)
				require.NotNil(t, resp)
				assert.Equal(t, tt.status, resp.StatusCode, "status")
				assert.Equal(t, tt.retryAfter, resp.Header.Get("Retry-After"), "Retry-After")
				assert.Equal(t, tt.location, resp.Header.Get("Location"), "Location")
			})
		}
	})
	st := getStats(t, s, "")
	assert.Equal(t, int64(9), st.Refused, "refused handshakes")
	assert.Equal(t, int64(0), st.Handshakes, "handshakes")
}

func TestFail(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for i := range 2 {
		_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?id=f&fail=2", nil)
		require.Error(t, err, "handshake %d", i+1)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "handshake %d", i+1)
	}
	c := dial(t, s.ws+"/echo?id=f&fail=2", nil)
	c.CloseNow()
	st := getStats(t, s, "f")
	assert.Equal(t, int64(2), st.Refused, "refused handshakes")
	assert.Equal(t, int64(1), st.Handshakes, "handshakes")

	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?fail=1", nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "fail without an id")
}

func TestHang(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, _, err := websocket.Dial(ctx, s.ws+"/hang", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the handshake never completes")

	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/hang?hold=20ms&id=h", nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "after hold")
	assert.Equal(t, int64(1), getStats(t, s, "h").Refused)
}

// TestToken: token=T is accepted once per id; again, it is refused with
// 401, as an expired credential.
func TestToken(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/echo?id=tok&token=a", nil)
	c.CloseNow()
	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?id=tok&token=a", nil)
	require.Error(t, err, "the same token again")
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the same token again")
	c = dial(t, s.ws+"/echo?id=tok&token=b", nil)
	c.CloseNow()
	c = dial(t, s.ws+"/echo?id=other&token=a", nil) // another id: its own tokens
	c.CloseNow()
	st := getStats(t, s, "tok")
	assert.Equal(t, int64(1), st.Refused, "refused handshakes")
	assert.Equal(t, int64(2), st.Handshakes, "handshakes")
}
