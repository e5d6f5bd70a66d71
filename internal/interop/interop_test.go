package interop_test

// This file has no build tag: the same tests run natively, on
// coder/websocket, and in headless Chrome, on the browser's WebSocket,
// against the same two servers.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/interop"
	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// servers are the servers nobody here wrote.
var servers = []struct{ name, env string }{
	{"node-ws", interop.EnvNodeURL},
	{"tornado", interop.EnvTornadoURL},
}

// inCI reports whether CI is set, as CI services and .ci/run set it.
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// serverURL returns the base URL in env. A test skipped in CI is a test
// that does not exist: without the URL it fails when CI is set, and is
// skipped otherwise.
func serverURL(t *testing.T, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		const how = "`make test-interop` starts the interop servers and runs these tests natively and in Chrome"
		if inCI() {
			t.Fatalf("%s is not set and CI is: %s", env, how)
		}
		t.Skipf("%s is not set: %s", env, how)
	}
	p, err := url.Parse(u)
	require.NoError(t, err, "%s", env)
	require.Equal(t, "127.0.0.1", p.Hostname(), "%s: tests talk only to loopback", env)
	return strings.TrimSuffix(u, "/")
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, u string, o *client.Options) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctxFor(t, 10*time.Second), u, o)
	require.NoError(t, err, "dial %s", u)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// echo writes p as typ and requires the same message back.
func echo(t *testing.T, c *client.Conn, typ client.MessageType, p []byte, what string) {
	t.Helper()
	ctx := ctxFor(t, 20*time.Second)
	require.NoError(t, c.Write(ctx, typ, p), "%s: write", what)
	got, q, err := c.Read(ctx)
	require.NoError(t, err, "%s: read", what)
	assert.Equal(t, typ, got, "%s: message type", what)
	assert.True(t, bytes.Equal(p, q), "%s: echoed %d bytes, want %d the same as sent", what, len(q), len(p))
}

// closeRecord is what a server's /closed answers.
type closeRecord struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// closed asks the server what the client of the connection tagged id sent
// in its close frame.
func closed(t *testing.T, base, id string) closeRecord {
	t.Helper()
	c := dial(t, base+"/closed?id="+url.QueryEscape(id), nil)
	ctx := ctxFor(t, 10*time.Second)
	typ, p, err := c.Read(ctx)
	require.NoError(t, err, "read /closed?id=%s", id)
	require.Equal(t, client.MessageText, typ, "/closed answers text")
	var rec closeRecord
	require.NoError(t, json.Unmarshal(p, &rec), "/closed answered %q", p)
	require.Empty(t, rec.Error, "/closed?id=%s", id)
	_, _, err = c.Read(ctx)
	assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err), "/closed then closes with 1000: %v", err)
	return rec
}

func allBytes() []byte {
	p := make([]byte, 256)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

func TestInterop(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			base := serverURL(t, s.env)
			t.Run("echo", func(t *testing.T) { testEcho(t, base) })
			t.Run("subprotocol", func(t *testing.T) { testSubprotocol(t, base) })
			t.Run("server close", func(t *testing.T) { testServerClose(t, base) })
			t.Run("client close", func(t *testing.T) { testClientClose(t, base) })
		})
	}
}

func testEcho(t *testing.T, base string) {
	c := dial(t, base+"/echo", &client.Options{ReadLimit: 2 << 20})
	const text = "héllo, wörld ✓ 🙂 日本語"
	mib := make([]byte, 1<<20)
	for i := range mib {
		mib[i] = byte(i*7 + i>>8)
	}
	for _, tt := range []struct {
		name string
		typ  client.MessageType
		p    []byte
	}{
		{"empty text", client.MessageText, nil},
		{"ASCII text", client.MessageText, []byte("hello, duplex")},
		{"non-ASCII text", client.MessageText, []byte(text)},
		{"1 MiB of non-ASCII text", client.MessageText, []byte(strings.Repeat("ab✓🙂", 1<<20/9) + "abcd")},
		{"empty binary", client.MessageBinary, nil},
		{"every byte value", client.MessageBinary, allBytes()},
		{"1 MiB binary", client.MessageBinary, mib},
	} {
		echo(t, c, tt.typ, tt.p, tt.name)
	}

	// A message written in pieces that cut characters in two: natively
	// they go out as fragments the server reassembles; the browser sends
	// the message whole.
	ctx := ctxFor(t, 10*time.Second)
	w, err := c.Writer(ctx, client.MessageText)
	require.NoError(t, err)
	for i := 0; i < len(text); i += 5 {
		_, err := w.Write([]byte(text[i:min(i+5, len(text))]))
		require.NoError(t, err, "piece at %d", i)
	}
	require.NoError(t, w.Close())
	typ, p, err := c.Read(ctx)
	require.NoError(t, err, "the message written in pieces")
	assert.Equal(t, client.MessageText, typ, "pieces: message type")
	assert.Equal(t, text, string(p), "pieces: echoed whole")

	require.NoError(t, c.Close(client.StatusNormalClosure, ""), "close after the echoes")
}

func testSubprotocol(t *testing.T, base string) {
	for _, tt := range []struct {
		name    string
		offered []string
		want    string
	}{
		{"the server's choice, not the first offered", []string{"other.v2", "duplex.v1"}, "duplex.v1"},
		{"only duplex.v1", []string{"duplex.v1"}, "duplex.v1"},
		{"none offered", nil, ""},
	} {
		c, err := client.Dial(ctxFor(t, 10*time.Second), base+"/echo", &client.Options{Subprotocols: tt.offered})
		require.NoError(t, err, "%s: dial", tt.name)
		assert.Equal(t, tt.want, c.Subprotocol(), "%s: Subprotocol()", tt.name)
		echo(t, c, client.MessageText, []byte(tt.name), tt.name)
		require.NoError(t, c.Close(client.StatusNormalClosure, ""), tt.name)
	}

	// Both servers answer an offer they do not know with no subprotocol.
	// Chrome fails such a handshake, and so does the native client.
	_, err := client.Dial(ctxFor(t, 10*time.Second), base+"/echo",
		&client.Options{Subprotocols: []string{"other.v2", "other.v3"}})
	var de *client.DialError
	require.ErrorAs(t, err, &de, "none of the offered subprotocols selected")
	assert.Contains(t, err.Error(), "subprotocols", "the error names the likely cause")
}

// testServerClose: the server closes with a code and reason; Read returns
// them as a *CloseError.
func testServerClose(t *testing.T, base string) {
	for _, tt := range []struct {
		command string
		want    client.CloseError
	}{
		{"close 4321 bye", client.CloseError{Code: 4321, Reason: "bye", WasClean: true}},
		{"close 3001 adiós, wörld ✓", client.CloseError{Code: 3001, Reason: "adiós, wörld ✓", WasClean: true}},
		{"close 1001 going away", client.CloseError{Code: client.StatusGoingAway, Reason: "going away", WasClean: true}},
		{"close 1000", client.CloseError{Code: client.StatusNormalClosure, WasClean: true}},
	} {
		c := dial(t, base+"/echo", nil)
		ctx := ctxFor(t, 10*time.Second)
		echo(t, c, client.MessageText, []byte("before "+tt.command), tt.command)
		require.NoError(t, c.Write(ctx, client.MessageText, []byte(tt.command)), tt.command)
		_, _, err := c.Read(ctx)
		var ce *client.CloseError
		require.ErrorAs(t, err, &ce, "%s: Read", tt.command)
		assert.Equal(t, tt.want, *ce, "%s: the close Read reports", tt.command)
		assert.Equal(t, tt.want.Code, client.CloseStatus(err), "%s: CloseStatus", tt.command)
	}
}

// testClientClose: the client closes with a code and reason; the server
// records what arrived. A code browsers refuse is sent as its WireCode on
// both platforms.
func testClientClose(t *testing.T, base string) {
	wire1001, ok := client.WireCode(client.StatusGoingAway)
	require.True(t, ok, "1001 has a wire code")
	require.Equal(t, client.StatusCode(4001), wire1001, "WireCode(1001)")
	for _, tt := range []struct {
		name   string
		code   client.StatusCode
		reason string
		want   closeRecord
	}{
		{"1000", client.StatusNormalClosure, "done", closeRecord{Code: 1000, Reason: "done"}},
		{"3001, non-ASCII reason", 3001, "adiós ✓", closeRecord{Code: 3001, Reason: "adiós ✓"}},
		{"4001", 4001, "bye", closeRecord{Code: 4001, Reason: "bye"}},
		{"1001 goes as its wire code", client.StatusGoingAway, "going away", closeRecord{Code: int(wire1001), Reason: "going away"}},
		{"a reason cut to 123 bytes", 4999, strings.Repeat("r", 200), closeRecord{Code: 4999, Reason: strings.Repeat("r", 123)}},
	} {
		id := fmt.Sprintf("%s-%08x", strings.ReplaceAll(t.Name(), "/", "."), rand.Uint32())
		c := dial(t, base+"/echo?id="+id, nil)
		echo(t, c, client.MessageBinary, []byte(tt.name), tt.name)
		require.NoError(t, c.CloseContext(ctxFor(t, 10*time.Second), tt.code, tt.reason),
			"%s: the closing handshake completes", tt.name)
		assert.Equal(t, tt.want, closed(t, base, id), "%s: what the server got", tt.name)
	}
}
