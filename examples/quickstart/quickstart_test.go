//go:build !js

package quickstart_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// files returns the files of the README's quick start: each fenced code
// block whose first line names one.
func files(t *testing.T, readme string) map[string]string {
	t.Helper()
	block := regexp.MustCompile("(?s)```[a-z]*\n((?://|<!--) File ([^ :]+?)(?::| -->)[^\n]*\n.*?)```")
	out := map[string]string{}
	for _, m := range block.FindAllStringSubmatch(readme, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// run runs a command in dir and returns its output, failing the test if
// it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod"), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

// TestQuickStart follows the quick start as a user would, with one
// difference: the module requires this checkout (a replace directive)
// instead of `go get github.com/duplex-go/duplex@latest`.
func TestQuickStart(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	fs := files(t, string(readme))
	for _, want := range []string{"chat/chat.go", "chat/chat_test.go", "web/main.go", "web/index.html", "server/main.go"} {
		require.Contains(t, fs, want, "the README's quick start has %s", want)
	}

	dir := t.TempDir()
	for name, text := range fs {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	run(t, dir, nil, "go", "mod", "init", "example.com/hello")
	run(t, dir, nil, "go", "mod", "edit", "-require=github.com/duplex-go/duplex@v0.0.0", "-replace=github.com/duplex-go/duplex="+root)
	run(t, dir, nil, "go", "mod", "tidy")

	// Build the page, with its wasm_exec.js; build and start the server.
	run(t, dir, []string{"GOOS=js", "GOARCH=wasm"}, "go", "build", "-o", "web/main.wasm", "./web")
	goroot := strings.TrimSpace(run(t, dir, nil, "go", "env", "GOROOT"))
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web", "wasm_exec.js"), wasmExec, 0o644))
	run(t, dir, nil, "go", "build", "-o", "hello-server", "./server")
	base := startServer(t, dir)

	// The wasm goes out gzipped, as application/wasm.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/main.wasm", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	gz, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	wasm, err := os.Stat(filepath.Join(dir, "web", "main.wasm"))
	require.NoError(t, err)
	assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	t.Logf("main.wasm: %d bytes, %d on the wire", wasm.Size(), len(gz))
	assert.Less(t, len(gz), int(wasm.Size())/2, "what the page downloads")

	// The page says hello; the server answers.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	var log string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Poll(`document.getElementById("log").textContent.includes("server got: hello from the page")`, nil,
			chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Evaluate(`document.getElementById("log").textContent`, &log),
	), "the page's log: %q", log)
	assert.Equal(t, "server got: hello from the page\n", log)

	// The quick start's test, natively, then in Chrome against the harness.
	run(t, dir, nil, "go", "test", "-count=1", "./...")
	bin := filepath.Join(root, "bin")
	if _, err := os.Stat(filepath.Join(bin, "wasmbrowsertest")); err != nil {
		t.Fatalf("the browser leg needs %s/wasmbrowsertest: run `make tools` (make test does)", bin)
	}
	out := run(t, dir, nil, "go", "run", "github.com/duplex-go/duplex/server_test_harness/cmd/wsharness", "run", "--",
		"env", "GOOS=js", "GOARCH=wasm", "go", "test", "-count=1", "-v", "-exec="+filepath.Join(bin, "wasmbrowsertest"), "./chat")
	assert.Contains(t, out, "--- PASS: TestEcho", "the quick start's test in Chrome")
}

// startServer starts the quick start's server on a free port and returns
// its base URL; the test's end stops it.
func startServer(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "hello-server"), "-addr", "127.0.0.1:0")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		base, ok := strings.CutPrefix(strings.TrimSpace(line), "serving ")
		require.True(t, ok, "the server's first line: %q", line)
		return base
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not say where it serves")
		return ""
	}
}
