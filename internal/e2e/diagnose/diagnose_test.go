//go:build !js

package diagnose_test

// The browser's reasons for a WebSocket that never opened, each in Chrome,
// on a page served with what the case needs: over https (mixed content),
// with a Content Security Policy, or neither. wasmbrowsertest serves its
// pages over plain http with no headers to choose, so this test serves
// its own (wasm/internal/diagpage) and drives Chrome itself, as
// examples/clock's test does. It lives in module internal/e2e so that
// chromedp stays out of the go.sum of a module that depends on duplex. Everything it dials is on 127.0.0.1; the
// one host name, mixed.test, Chrome maps to 127.0.0.1 too.

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// diagResult is wasm/internal/diagpage's Result.
type diagResult struct {
	Error       string
	DialError   bool
	CloseError  bool
	Mixed       bool
	CSP         bool
	Unreachable bool
	Refused     bool
	Deadline    bool
	Funcs       int
	Goroutines  [2]int
}

// seen is a request the target server got.
type seen struct {
	Method, Path, Query, Cookie, Referer, Upgrade string
}

// target is an HTTP server on 127.0.0.1 that refuses every request with
// 403 (so every WebSocket handshake) and records what it got.
type target struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newTarget(t *testing.T) *target {
	tg := &target{}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.reqs = append(tg.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Cookie"), r.Header.Get("Referer"), r.Header.Get("Upgrade")})
		tg.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *target) port() string { return strconv.Itoa(tg.srv.Listener.Addr().(*net.TCPAddr).Port) }

func (tg *target) seen() []seen {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]seen(nil), tg.reqs...)
}

// closedPort returns a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())
	return port
}

// pageFiles builds wasm/internal/diagpage into a directory with what a
// page needs to run it.
func pageFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "main.wasm"), "./internal/diagpage")
	build.Dir = "../../../wasm" // in the duplex module, where the page is
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the page: %s", out)
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	wasmExec, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	require.NoError(t, err)
	for name, content := range map[string]string{
		"wasm_exec.js": string(wasmExec),
		// Scripts from files, none inline: the strictest policy below
		// allows only 'self'.
		"index.html": `<!doctype html><meta charset="utf-8"><title>diag</title>` +
			`<script src="wasm_exec.js"></script><script src="boot.js"></script>`,
		"boot.js": `const go = new Go();
WebAssembly.instantiateStreaming(fetch("main.wasm"), go.importObject).then((r) => go.run(r.instance));`,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// The pages' policies.
const (
	// The page's own origin only: a WebSocket to another port is refused.
	cspSelf = "connect-src 'self'"
	// WebSockets to 127.0.0.1 but no http:// there: the probe is refused.
	cspWebSocketsOnly = "connect-src 'self' ws://127.0.0.1:*"
	// A strict policy: no 'unsafe-eval' (so package wasm's JavaScript
	// cannot be built: the Go-only fallback runs), and connect-src falls
	// back to default-src.
	cspStrict = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
)

// way is an API and a transport a case runs on.
type way struct{ name, api, transport, fallback string }

// ways: package wasm on each transport, and package client.
var ways = []way{
	{"wasm", "wasm", "websocket", ""},
	{"wasm stream", "wasm", "stream", ""},
	{"client", "client", "websocket", ""},
}

// refusedWays are the ways of the causes that need no probe: those above,
// the Go-only fallback (on a page whose policy forbids 'unsafe-eval'),
// and package reconnect, which must give up at the first such failure
// (no redial mends it) although it would try 3 times.
var refusedWays = append(ways[:len(ways):len(ways)],
	way{"wasm fallback", "wasm", "websocket", "1"},
	way{"reconnect", "reconnect", "websocket", ""},
)

// TestDialDiagnostics proves each reason a *DialError gives for a
// WebSocket that never opened, in Chrome, through both packages. One
// browser serves every case.
func TestDialDiagnostics(t *testing.T) {
	dir := pageFiles(t)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			if csp := r.URL.Query().Get("csp"); csp != "" {
				w.Header().Set("Content-Security-Policy", csp)
			}
			// The WebSocket's handshake carries the page's cookies; the
			// probe must not.
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "S3CR3T", Path: "/"})
		}
		http.FileServer(http.Dir(dir)).ServeHTTP(w, r)
	})
	httpsPage := httptest.NewTLSServer(page)
	defer httpsPage.Close()
	httpPage := httptest.NewServer(page)
	defer httpPage.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		// httptest's certificate.
		chromedp.Flag("ignore-certificate-errors", true),
		// A name that is not the page's own machine, for mixed content:
		// Chromium allows ws:// to localhost and 127.0.0.1 from https.
		chromedp.Flag("host-resolver-rules", "MAP mixed.test 127.0.0.1"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	// One tab for every case, each loading the page anew: a tab opened
	// beside it would be in the background, where Chrome runs no
	// animation frames and slows timers down.
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	require.NoError(t, chromedp.Run(tab), "starting Chrome")
	// What the page says, for the log of the case that loaded it.
	var (
		mu      sync.Mutex
		console []string
	)
	chromedp.ListenTarget(tab, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				line += string(a.Value) + a.Description + " "
			}
			line = "console." + ev.Type.String() + ": " + line
		case *cdpruntime.EventExceptionThrown:
			line = "exception: " + ev.ExceptionDetails.Error()
		default:
			return
		}
		mu.Lock()
		console = append(console, line)
		mu.Unlock()
	})

	// dial loads the page (over https or not, with the policy csp), and
	// has it dial as params say.
	dial := func(t *testing.T, https bool, csp string, params url.Values) diagResult {
		t.Helper()
		base := httpPage.URL
		if https {
			base = httpsPage.URL
		}
		if csp != "" {
			params.Set("csp", csp)
		}
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			for _, line := range console {
				t.Log(line)
			}
			console = nil
		}()
		ctx, cancel := context.WithTimeout(tab, 60*time.Second)
		defer cancel()
		var out string
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(base+"/?"+params.Encode()),
			chromedp.Poll("globalThis.diagResult", &out, chromedp.WithPollingTimeout(45*time.Second)),
		), "the page's result")
		var r diagResult
		require.NoError(t, json.Unmarshal([]byte(out), &r), "%s", out)
		t.Logf("%s: %+v", params.Encode(), r)
		assert.False(t, r.Deadline, "Dial waited for its timeout: %s", r.Error)
		assert.Zero(t, r.Funcs, "js.Funcs left unreleased")
		assert.Equal(t, r.Goroutines[0], r.Goroutines[1], "goroutines before and after Dial")
		assert.NotContains(t, r.Error, "S3CR3T", "the error's text")
		return r
	}
	// params are a case's: w's, dialling u, and kv.
	params := func(w way, u string, kv ...string) url.Values {
		v := url.Values{"api": {w.api}, "transport": {w.transport}, "fallback": {w.fallback}, "url": {u}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	// An https page, a ws:// URL: Chromium throws a SecurityError from
	// the constructor. The error says it is mixed content, and how to fix
	// it, without being asked to.
	t.Run("mixed content", func(t *testing.T) {
		for _, w := range refusedWays {
			t.Run(w.name, func(t *testing.T) {
				tg := newTarget(t)
				csp := ""
				if w.fallback != "" {
					csp = cspStrict + "; connect-src 'self' ws:" // ws: for the dial
				}
				r := dial(t, true, csp, params(w, "ws://u:S3CR3T@mixed.test:"+tg.port()+"/x?token=S3CR3T"))
				assert.True(t, r.DialError, "a *DialError: %s", r.Error)
				assert.True(t, r.Mixed, "ErrMixedContent: %s", r.Error)
				assert.False(t, r.CloseError, "a *CloseError: no socket was made: %s", r.Error)
				assert.Contains(t, r.Error, "(mixed content): use wss://", "the error says how to fix it")
				assert.Empty(t, tg.seen(), "requests to the server: refused before connecting")
				if w.api == "reconnect" {
					assert.Contains(t, r.Error, "gave up after 1 failure:", "reconnect: final")
				}
			})
		}
		// Chromium allows ws:// to 127.0.0.1 from https: the browser
		// decides, and Dial connects (a check of the schemes alone would
		// refuse it).
		t.Run("loopback", func(t *testing.T) {
			tg := newTarget(t)
			r := dial(t, true, "", params(ways[0], "ws://127.0.0.1:"+tg.port()+"/x"))
			assert.False(t, r.Mixed, "ErrMixedContent: %s", r.Error)
			assert.Len(t, tg.seen(), 1, "requests: the handshake")
		})
	})

	// The page's policy does not allow the URL. Chromium's WebSocket
	// then fires error and never close: Dial returns at once all the
	// same, and says why, without being asked to.
	t.Run("content security policy", func(t *testing.T) {
		for _, w := range refusedWays {
			t.Run(w.name, func(t *testing.T) {
				tg := newTarget(t)
				csp := cspSelf
				if w.fallback != "" {
					csp = cspStrict
				}
				r := dial(t, false, csp, params(w, "ws://u:S3CR3T@127.0.0.1:"+tg.port()+"/x?token=S3CR3T"))
				assert.True(t, r.DialError, "a *DialError: %s", r.Error)
				assert.True(t, r.CSP, "ErrBlockedByCSP: %s", r.Error)
				assert.False(t, r.CloseError, "a *CloseError: nothing was sent: %s", r.Error)
				assert.Contains(t, r.Error, "Content Security Policy does not allow this URL (connect-src)", "the error")
				assert.Empty(t, tg.seen(), "requests to the server: refused before connecting")
				if w.api == "reconnect" {
					assert.Contains(t, r.Error, "gave up after 1 failure:", "reconnect: final")
				}
			})
		}
	})

	// Nothing listens at the port: the probe's request fails too.
	t.Run("unreachable", func(t *testing.T) {
		for _, w := range ways {
			t.Run(w.name, func(t *testing.T) {
				port := closedPort(t)
				r := dial(t, false, "", params(w, "ws://u:S3CR3T@127.0.0.1:"+port+"/x?token=S3CR3T", "probe", w.api))
				assert.True(t, r.DialError, "a *DialError: %s", r.Error)
				assert.True(t, r.CloseError, "the close event's *CloseError: %s", r.Error)
				assert.True(t, r.Unreachable, "ErrUnreachable: %s", r.Error)
				assert.False(t, r.Refused, "ErrUpgradeRefused: %s", r.Error)
				assert.Contains(t, r.Error, "closed with 1006 (not clean), and nothing answers HTTP at http://127.0.0.1:"+port+"/", "the error")
			})
		}
	})

	// A server answers HTTP there, and refused the handshake (403): the
	// probe's request is answered. It asks for "/", with neither the
	// page's cookies nor its address.
	t.Run("upgrade refused", func(t *testing.T) {
		for _, w := range ways {
			t.Run(w.name, func(t *testing.T) {
				tg := newTarget(t)
				r := dial(t, false, "", params(w, "ws://127.0.0.1:"+tg.port()+"/x?token=S3CR3T", "probe", w.api))
				assert.True(t, r.DialError, "a *DialError: %s", r.Error)
				assert.True(t, r.CloseError, "the close event's *CloseError: %s", r.Error)
				assert.True(t, r.Refused, "ErrUpgradeRefused: %s", r.Error)
				assert.False(t, r.Unreachable, "ErrUnreachable: %s", r.Error)
				assert.Contains(t, r.Error, "closed with 1006 (not clean), but a server answers HTTP at http://127.0.0.1:"+tg.port()+"/", "the error")
				got := tg.seen()
				require.Len(t, got, 2, "requests: the handshake and the probe: %+v", got)
				assert.Equal(t, seen{"GET", "/x", "token=S3CR3T", "session=S3CR3T", "", "websocket"}, got[0], "the handshake")
				assert.Equal(t, seen{Method: "HEAD", Path: "/"}, got[1], "the probe: no path, query, cookie or referrer")
			})
		}
	})

	// The probe is off unless asked for: without it, nothing more is
	// sent, and the error says what little is known.
	t.Run("no probe", func(t *testing.T) {
		tg := newTarget(t)
		r := dial(t, false, "", params(ways[0], "ws://127.0.0.1:"+tg.port()+"/x"))
		assert.True(t, r.DialError, "a *DialError: %s", r.Error)
		assert.True(t, r.CloseError, "the close event's *CloseError: %s", r.Error)
		assert.False(t, r.Refused || r.Unreachable || r.Mixed || r.CSP, "a cause: %s", r.Error)
		assert.Contains(t, r.Error, "never opened: closed with 1006 (not clean); browsers do not tell pages why", "the error")
		assert.Len(t, tg.seen(), 1, "requests: the handshake alone")
	})

	// A policy that allows the WebSocket but not an http:// request to
	// the same place refuses the probe, which looks as if nothing
	// answered: the probe sees the policy's event, and says nothing.
	t.Run("probe refused by the page's policy", func(t *testing.T) {
		tg := newTarget(t)
		r := dial(t, false, cspWebSocketsOnly, params(ways[0], "ws://127.0.0.1:"+tg.port()+"/x", "probe", "wasm"))
		assert.True(t, r.DialError, "a *DialError: %s", r.Error)
		assert.False(t, r.Unreachable, "ErrUnreachable: %s", r.Error)
		assert.False(t, r.Refused, "ErrUpgradeRefused: %s", r.Error)
		assert.Contains(t, r.Error, "browsers do not tell pages why", "the error")
		assert.Len(t, tg.seen(), 1, "requests: the handshake alone")
	})
}
