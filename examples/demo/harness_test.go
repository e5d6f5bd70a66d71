//go:build !js

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/examples/chat/chatserver"
)

// wait bounds every wait of these tests: generous, for a loaded machine.
const wait = 30 * time.Second

// build builds what `make demo` builds, into a new directory: a directory
// of each page (index.html, its stylesheet, wasm_exec.js and main.wasm;
// chat/hello.wasm too), and natively the two terminal clients (chatcli,
// echocli) and chat/hello (chathello).
func build(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")
	for _, d := range demos {
		out := filepath.Join(dir, d)
		cmd := exec.Command("go", "build", "-o", filepath.Join(out, "main.wasm"), "../"+d+"/web")
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "building the %s page: %s", d, b)
		files, _ := filepath.Glob("../" + d + "/web/*.*")
		for _, src := range append(files, wasmExec) {
			if strings.HasSuffix(src, ".go") {
				continue
			}
			p, err := os.ReadFile(src)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(out, filepath.Base(src)), p, 0o644))
		}
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "chat", "hello.wasm"), "../chat/hello")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "building chat/hello for the browser: %s", b)
	// Compressed beside them, as make demo does: wasmserve serves the
	// .gz instead of gzipping each wasm in this (-race) process.
	wasms, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	b, err = exec.Command("gzip", append([]string{"-1", "-k", "-f"}, wasms...)...).CombinedOutput()
	require.NoError(t, err, "gzip: %s", b)
	for _, cli := range []string{"chat/cli", "echo/cli", "chat/hello"} {
		b, err := exec.Command("go", "build", "-o", filepath.Join(dir, strings.ReplaceAll(cli, "/", "")), "../"+cli).CombinedOutput()
		require.NoError(t, err, "building %s: %s", cli, b)
	}
	return dir
}

// server is the demo's handler on a loopback port, which a test may stop
// and start again on the same port, keeping the chat's rooms (as a
// server with a store would).
type server struct {
	t    *testing.T
	dir  string
	chat *chatserver.Server
	addr string
	stop func()
}

func startServer(t *testing.T, dir string) *server {
	s := &server{t: t, dir: dir, chat: chatserver.New(), addr: "127.0.0.1:0"}
	s.start()
	t.Cleanup(s.down)
	return s
}

func (s *server) url(path string) string { return "http://" + s.addr + path }
func (s *server) ws(path string) string  { return "ws://" + s.addr + path }

func (s *server) start() {
	ln, err := net.Listen("tcp", s.addr)
	require.NoError(s.t, err, "listening on the same port again")
	s.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	hs := &http.Server{Handler: newHandler(ctx, s.dir, s.chat)}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	s.stop = func() {
		cancel() // the WebSockets close with 1001
		_ = hs.Close()
		<-done
	}
}

// down stops the server: its WebSockets close with 1001 (going away),
// and new connections are refused until start.
func (s *server) down() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// newBrowser starts the one headless Chrome of the tests.
func newBrowser(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		// Tabs in the background keep their timers: a page's countdown
		// and redials go on whichever tab is in front.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	require.NoError(t, chromedp.Run(browser), "starting Chrome")
	return browser
}

// open opens url in a new tab of browser, 1000 by 700 pixels.
func open(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Run(tab, chromedp.EmulateViewport(1000, 700), chromedp.Navigate(url)), "opening %s", url)
	return tab
}

// waitJS waits until the JavaScript expression cond is true in the page,
// checking it each time the page's DOM changes.
func waitJS(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	err := chromedp.Run(tab, chromedp.Poll(cond, nil, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(wait)))
	if err != nil {
		var status string
		_ = chromedp.Run(tab, chromedp.Evaluate(`document.getElementById("status").textContent`, &status))
		t.Fatalf("%s: %s: %v; the page's status: %q", what, cond, err, status)
	}
}

// eval returns the value of the JavaScript expression expr in the page.
func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	var v T
	require.NoError(t, chromedp.Run(tab, chromedp.Evaluate(expr, &v)), "evaluating %s", expr)
	return v
}

// cli is a terminal client running, its input and output in our hands.
type cli struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	done  chan struct{} // closed when the output ends
	mu    sync.Mutex
	lines []string      // every line of its output, stdout and stderr
	more  chan struct{} // a line came
}

func startCLI(t *testing.T, bin string, args ...string) *cli {
	t.Helper()
	c := &cli{t: t, cmd: exec.Command(bin, args...), done: make(chan struct{}), more: make(chan struct{}, 1)}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	c.cmd.Stdout, c.cmd.Stderr = w, w
	c.in, err = c.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Start())
	w.Close()
	go func() {
		defer close(c.done)
		s := bufio.NewScanner(r)
		for s.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, s.Text())
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		}
		r.Close()
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
		_ = c.cmd.Wait()
		if t.Failed() {
			t.Logf("%s's output:\n%s", filepath.Base(bin), strings.Join(c.output(), "\n"))
		}
	})
	return c
}

func (c *cli) output() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// waitFor waits until cond holds for the lines printed so far.
func (c *cli) waitFor(what string, cond func(lines []string) bool) {
	c.t.Helper()
	deadline := time.After(wait)
	for !cond(c.output()) {
		select {
		case <-c.more:
		case <-c.done:
			if !cond(c.output()) {
				c.t.Fatalf("%s: the cli ended; its output:\n%s", what, strings.Join(c.output(), "\n"))
			}
		case <-deadline:
			c.t.Fatalf("%s: not after %v; the cli's output:\n%s", what, wait, strings.Join(c.output(), "\n"))
		}
	}
}

// waitLine waits for a line that contains s.
func (c *cli) waitLine(what, s string) {
	c.t.Helper()
	c.waitFor(what, func(lines []string) bool {
		for _, l := range lines {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	})
}

func (c *cli) typeLine(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.in, s+"\n")
	require.NoError(c.t, err, "typing into the cli")
}

// exit waits for the cli to end and returns its exit code.
func (c *cli) exit() int {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(wait):
		c.t.Fatalf("the cli did not end; its output:\n%s", strings.Join(c.output(), "\n"))
	}
	_ = c.cmd.Wait()
	return c.cmd.ProcessState.ExitCode()
}

func itoa(n int) string { return strconv.Itoa(n) }

// setValue sets the value of the input that the CSS selector sel names.
func setValue(sel, value string) chromedp.Action {
	js, _ := json.Marshal(value)
	return chromedp.Evaluate(`document.querySelector("`+sel+`").value = `+string(js), nil)
}

// httptestFiles serves the files of dir, and nothing else, on a loopback
// port, until the test ends; it returns the server's URL.
func httptestFiles(t *testing.T, dir string) string {
	s := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(s.Close)
	return s.URL
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
