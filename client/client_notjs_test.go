//go:build !js

package client_test

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

func connInfo(t *testing.T, c *client.Conn) harness.ConnInfo {
	t.Helper()
	typ, p, err := c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	require.Equal(t, client.MessageText, typ)
	var info harness.ConnInfo
	require.NoError(t, json.Unmarshal(p, &info))
	return info
}

func TestHeader(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo?info=1", &client.Options{Header: http.Header{
		"Authorization": {"Bearer t0ken"},
		"X-Duplex":      {"a", "b"},
	}})
	info := connInfo(t, c)
	assert.Equal(t, []string{"Bearer t0ken"}, info.Header["Authorization"])
	assert.Equal(t, []string{"a", "b"}, info.Header["X-Duplex"])
}

func TestRefusal(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t, 10*time.Second)
	for _, tt := range []struct {
		path       string
		status     int
		retryAfter time.Duration
		location   string
	}{
		{"/reject?status=403", 403, 0, ""},
		{"/reject?status=429&retry_after=7", 429, 7 * time.Second, ""},
		{"/reject?status=503&retry_after=1", 503, time.Second, ""},
		{"/reject?status=302&location=/echo", 302, 0, "/echo"},
		{"/reject?status=307&location=ws://127.0.0.1:1/elsewhere", 307, 0, "ws://127.0.0.1:1/elsewhere"},
	} {
		_, err := client.Dial(ctx, wstest.URL(t, tt.path), nil)
		var de *client.DialError
		require.ErrorAs(t, err, &de, tt.path)
		assert.Equal(t, tt.status, de.StatusCode, "%s: status", tt.path)
		assert.Equal(t, tt.retryAfter, de.RetryAfter, "%s: Retry-After", tt.path)
		assert.Equal(t, tt.location, de.Location, "%s: Location (not followed)", tt.path)
	}
}

func TestCompression(t *testing.T) {
	t.Parallel()
	for _, mode := range []client.Compression{client.CompressionNoContextTakeover, client.CompressionContextTakeover} {
		id := wstest.ID(t)
		c := dial(t, "/echo?compress=context&id="+id, &client.Options{Compression: mode})
		ctx := ctxFor(t, 5*time.Second)
		msg := strings.Repeat("compress me ", 1000)
		require.NoError(t, c.Write(ctx, client.MessageText, []byte(msg)))
		_, p, err := c.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, msg, string(p))
		assert.Contains(t, wstest.Stats(t, id).Conns[0].Extensions, "permessage-deflate", "mode %d", mode)
	}
	id := wstest.ID(t)
	dial(t, "/echo?compress=context&id="+id, nil)
	assert.Equal(t, "", wstest.Stats(t, id).Conns[0].Extensions, "not asked for")
}

// proxy is an HTTP CONNECT proxy on loopback that records what it was
// asked for.
type proxy struct {
	*httptest.Server
	mu       sync.Mutex
	connects []string
	auth     []string
}

func newProxy(t *testing.T, refuse bool) *proxy {
	p := &proxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.connects = append(p.connects, r.Method+" "+r.Host)
		p.auth = append(p.auth, r.Header.Get("Proxy-Authorization"))
		p.mu.Unlock()
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		if refuse {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("proxy: no hijacker")
			up.Close()
			return
		}
		down, rw, err := hj.Hijack()
		if err != nil {
			t.Errorf("proxy: %v", err)
			up.Close()
			return
		}
		if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
			down.Close()
			up.Close()
			return
		}
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = io.Copy(up, rw); up.(*net.TCPConn).CloseWrite() })
		wg.Go(func() { _, _ = io.Copy(down, up); down.Close() })
		wg.Wait()
		up.Close()
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) seen() ([]string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), append([]string(nil), p.auth...)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	// ws:// through a CONNECT tunnel, with the proxy's credentials.
	p := newProxy(t, false)
	pu, err := url.Parse(p.URL)
	require.NoError(t, err)
	pu.User = url.UserPassword("user", "pass")
	target := wstest.URL(t, "/echo")
	c, err := client.Dial(ctxFor(t, 5*time.Second), target, &client.Options{Proxy: client.ProxyURL(pu.String())})
	require.NoError(t, err)
	ctx := ctxFor(t, 5*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("via the proxy")))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "via the proxy", string(msg))
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
	tu, _ := url.Parse(target)
	connects, auth := p.seen()
	assert.Equal(t, []string{"CONNECT " + tu.Host}, connects, "a CONNECT tunnel, not a forward GET")
	assert.Equal(t, []string{"Basic dXNlcjpwYXNz"}, auth, "Proxy-Authorization")

	// wss:// through the tunnel, TLS end to end.
	srv := httptest.NewTLSServer(harness.New(nil))
	t.Cleanup(srv.Close)
	wssURL := "wss" + strings.TrimPrefix(srv.URL, "https") + "/echo"
	c, err = client.Dial(ctxFor(t, 5*time.Second), wssURL, &client.Options{
		Proxy: client.ProxyURL(pu.String()),
		TLS:   &client.TLSOptions{RootCAs: certPEM(srv)},
	})
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, client.MessageBinary, []byte{1, 2, 3}))
	_, msg, err = c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3}, msg)
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
	connects, _ = p.seen()
	assert.Equal(t, "CONNECT "+strings.TrimPrefix(srv.URL, "https://"), connects[1])

	// A proxy that refuses.
	refusing := newProxy(t, true)
	_, err = client.Dial(ctxFor(t, 5*time.Second), target, &client.Options{Proxy: client.ProxyURL(refusing.URL)})
	var de *client.DialError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "403")
	assert.Contains(t, err.Error(), "proxy")

	// Proxy sees the target as proxy settings name it; "" means direct; a
	// proxy URL that is not http(s) is an error naming it.
	var seen string
	c, err = client.Dial(ctxFor(t, 5*time.Second), target, &client.Options{Proxy: func(target string) (string, error) {
		seen = target
		return "", nil
	}})
	require.NoError(t, err)
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
	assert.Equal(t, "http"+strings.TrimPrefix(target, "ws"), seen)
	_, err = client.Dial(ctxFor(t, 5*time.Second), target, &client.Options{Proxy: client.ProxyURL("socks5://127.0.0.1:1")})
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "socks5://127.0.0.1:1: want an http:// or https:// proxy URL")
}

// TestProxyErrorsHideCredentials: a proxy URL's password and query
// values never reach an error's text, whether the proxy cannot be
// reached, refuses, or its URL does not parse.
func TestProxyErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	target := wstest.URL(t, "/echo")
	refusing := newProxy(t, true)
	for _, tt := range []struct{ name, proxy, shown string }{
		{"unreachable", "http://user:S3CR3T@127.0.0.1:1/?token=S3CR3T", "proxy http://REDACTED@127.0.0.1:1/?token=REDACTED: "},
		{"refusing", withUser(refusing.URL, "user:S3CR3T"), ": 403"},
		{"does not parse", "http://user:S3/CR3T@127.0.0.1:1", "proxy: http://REDACTED@127.0.0.1:1: not a valid URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Dial(ctxFor(t, 5*time.Second), target, &client.Options{Proxy: client.ProxyURL(tt.proxy)})
			var de *client.DialError
			require.ErrorAs(t, err, &de)
			msg := err.Error()
			t.Log(msg)
			assert.NotContains(t, msg, "S3CR3T", "the error's text")
			assert.NotContains(t, msg, "S3/CR3T", "the error's text")
			assert.Contains(t, msg, tt.shown)
			onePrefix(t, err)
		})
	}
}

func certPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(harness.New(nil))
	t.Cleanup(srv.Close)
	u := "wss" + strings.TrimPrefix(srv.URL, "https") + "/echo"
	ctx := ctxFor(t, 5*time.Second)

	_, err := client.Dial(ctx, u, nil)
	var de *client.DialError
	require.ErrorAs(t, err, &de, "an unknown certificate")
	assert.Contains(t, err.Error(), "certificate")

	for name, o := range map[string]*client.TLSOptions{
		"root CAs":             {RootCAs: certPEM(srv)},
		"insecure skip verify": {InsecureSkipVerify: true},
		"https:// URL":         {RootCAs: certPEM(srv)},
	} {
		url := u
		if name == "https:// URL" {
			url = srv.URL + "/echo"
		}
		c, err := client.Dial(ctx, url, &client.Options{TLS: o})
		require.NoError(t, err, name)
		require.NoError(t, c.Write(ctx, client.MessageText, []byte(name)))
		_, p, err := c.Read(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, name, string(p))
		require.NoError(t, c.Close(client.StatusNormalClosure, ""), name)
	}

	_, err = client.Dial(ctx, u, &client.Options{TLS: &client.TLSOptions{RootCAs: []byte("not PEM")}})
	assert.ErrorContains(t, err, "RootCAs")
}

// What the native build reports where the platforms differ (see
// TestTransport and TestBufferedAmount).
const (
	// preferredTransport: natively there is one.
	preferredTransport = client.TransportWebSocket
	// bufferedAmountHeld: Write returns once the message is written to
	// the network.
	bufferedAmountHeld = false
)

// wantDialStatus is the DialError.StatusCode of a handshake refused with
// status: the HTTP status of a refused
// handshake.
func wantDialStatus(status int) int { return status }
