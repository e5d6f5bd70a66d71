//go:build !js

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// buildPage builds what `make demo` builds into a directory for the test.
func buildPage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "main.wasm"), "../web")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the page: %s", out)

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	for src, dst := range map[string]string{
		filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"): "wasm_exec.js",
		"../web/index.html": "index.html",
	} {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), b, 0o644))
	}
	return dir
}

// TestPageCounts loads the demo page in headless Chrome and watches the
// number the server pushes go up; then restarts the server and watches
// the page reconnect by itself and count again from the start.
func TestPageCounts(t *testing.T) {
	dir := buildPage(t)
	var current atomic.Pointer[http.Handler]
	start := func() context.CancelFunc {
		ctx, stop := context.WithCancel(t.Context())
		h := newHandler(ctx, dir, 100*time.Millisecond)
		current.Store(&h)
		return stop
	}
	stop := start()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*current.Load()).ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer func() { stop() }()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	browser, cancelTimeout := context.WithTimeout(browser, 60*time.Second)
	defer cancelTimeout()

	require.NoError(t, chromedp.Run(browser, chromedp.Navigate(srv.URL+"/")), "loading the page")
	waitFor(t, browser, `document.getElementById("status").textContent === "connected"`, "the page connects")
	before := counting(t, browser)

	// A restart: the old handler closes with 1001 and refuses new
	// connections the same way until the new one takes over.
	stop()
	waitFor(t, browser, `document.getElementById("status").textContent.startsWith("reconnecting in ")`, "the page says it reconnects")
	var status string
	require.NoError(t, chromedp.Run(browser, chromedp.Evaluate(`document.getElementById("status").textContent`, &status)))
	assert.Contains(t, status, "1001", "and why")
	stop = start()
	waitFor(t, browser, `document.getElementById("status").textContent === "connected"`, "the page reconnects")
	after := counting(t, browser)
	assert.Less(t, after[0], before[2], "a new connection counts from its start: before %v, after %v", before, after)
}

// counting waits for three different increasing numbers on the page and
// returns them.
func counting(t *testing.T, browser context.Context) []float64 {
	t.Helper()
	var seen []float64
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < 3 && time.Now().Before(deadline) {
		var text string
		require.NoError(t, chromedp.Run(browser, chromedp.Evaluate(`document.getElementById("elapsed").textContent`, &text)))
		if v, err := strconv.ParseFloat(text, 64); err == nil && (len(seen) == 0 || v != seen[len(seen)-1]) {
			seen = append(seen, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, seen, 3, "three different numbers on the page: %v", seen)
	assert.Less(t, seen[0], seen[1], "the number increases")
	assert.Less(t, seen[1], seen[2], "the number increases")
	return seen
}

// waitFor evaluates the JavaScript expression cond in the page until it is
// true, for at most 20 s.
func waitFor(t *testing.T, browser context.Context, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		require.NoError(t, chromedp.Run(browser, chromedp.Evaluate(cond, &ok)), what)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var status string
			_ = chromedp.Run(browser, chromedp.Evaluate(`document.getElementById("status").textContent`, &status))
			t.Fatalf("%s: %s still false after 20 s; the page's status: %q", what, cond, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
