//go:build !js

// Command wasmrun runs a program built for js/wasm, usually a test binary,
// in headless Chrome, as go test's -exec:
//
//	wsharness run -- env GOOS=js GOARCH=wasm go test -exec=$PWD/bin/wasmrun -bench . ./wasm
//	wsharness run -- env GOOS=js GOARCH=wasm go test -exec="$PWD/bin/wasmrun -worker" ./client
//
// It differs from wasmbrowsertest, which runs the tests of `make test`, in
// two ways. Its page is served with Cross-Origin-Opener-Policy: same-origin
// and Cross-Origin-Embedder-Policy: require-corp, so that the page is
// cross-origin isolated and performance.now() (the clock of Go's time
// package in the browser) resolves 5 µs instead of 100 µs: the browser
// benchmarks need it. And with -worker the program runs in a dedicated Web
// Worker that the page starts, not in the page itself: the tests of a
// program off the main thread.
//
// The program's standard output and error reach wasmrun's, in order, and
// wasmrun exits with the program's status. The program gets the
// environment of wasmrun (as wasmbrowsertest gives it), so that
// DUPLEX_HARNESS_URL reaches the tests. The browser is the first of
// chromium, google-chrome and chromium-browser on PATH, or $CHROME.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

const usage = "usage: wasmrun [-worker] PROGRAM.wasm [ARGS...]"

func run(args []string) int {
	worker := false
	if len(args) > 0 && args[0] == "-worker" {
		worker, args = true, args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	defer stop()
	code, err := serve(ctx, args[0], args[1:], worker)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmrun:", err)
		return 1
	}
	return code
}

// config is what the page hands the program: wasm_exec.js's argv and env.
type config struct {
	Argv   []string          `json:"argv"`
	Env    map[string]string `json:"env"`
	Token  string            `json:"token"`
	Worker bool              `json:"worker"`
}

func serve(ctx context.Context, prog string, args []string, worker bool) (int, error) {
	wasmExec, err := wasmExecJS()
	if err != nil {
		return 0, err
	}
	chrome, err := findChrome()
	if err != nil {
		return 0, err
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	cfg := config{Argv: append([]string{filepath.Base(prog)}, args...), Env: map[string]string{}, Token: hex.EncodeToString(tok), Worker: worker}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			cfg.Env[k] = v
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return 0, err
	}

	exit := make(chan int, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		_, _ = io.WriteString(w, strings.Replace(indexHTML, "CONFIG", string(cfgJSON), 1))
	})
	script := func(src []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
			_, _ = w.Write(src)
		}
	}
	mux.HandleFunc("GET /wasm_exec.js", script(wasmExec))
	mux.HandleFunc("GET /run.js", script([]byte(runJS)))
	mux.HandleFunc("GET /worker.js", script([]byte(`importScripts("wasm_exec.js", "run.js");`)))
	mux.HandleFunc("GET /prog.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, prog)
	})
	mux.HandleFunc("POST /out", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != cfg.Token {
			http.Error(w, "bad token", http.StatusForbidden)
			return
		}
		out := os.Stdout
		if r.URL.Query().Get("fd") == "2" {
			out = os.Stderr
		}
		_, _ = io.Copy(out, r.Body)
	})
	mux.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != cfg.Token {
			http.Error(w, "bad token", http.StatusForbidden)
			return
		}
		b, _ := io.ReadAll(r.Body)
		code, err := strconv.Atoi(string(bytes.TrimSpace(b)))
		if err != nil {
			code = 1
		}
		select {
		case exit <- code:
		default:
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "wasmrun")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(chrome, chromeFlags(dir, "http://"+ln.Addr().String()+"/")...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	defer func() {
		killGroup(cmd)
		<-ended
	}()
	select {
	case code := <-exit:
		return code, nil
	case err := <-ended:
		ended <- err
		return 0, errors.New("the browser exited before the program did: " + fmt.Sprint(err))
	case <-ctx.Done():
		return 0, errors.New("interrupted")
	}
}

// chromeFlags are chromedp's defaults (which wasmbrowsertest uses), so
// that a benchmark runs in the same browser as the tests.
func chromeFlags(dir, url string) []string {
	flags := []string{
		"--headless", "--hide-scrollbars", "--mute-audio",
		"--no-first-run", "--no-default-browser-check",
		"--disable-background-networking",
		"--enable-features=NetworkService,NetworkServiceInProcess",
		"--disable-background-timer-throttling",
		"--disable-backgrounding-occluded-windows",
		"--disable-breakpad",
		"--disable-client-side-phishing-detection",
		"--disable-default-apps",
		"--disable-dev-shm-usage",
		"--disable-extensions",
		"--disable-features=site-per-process,Translate,BlinkGenPropertyTrees",
		"--disable-hang-monitor",
		"--disable-ipc-flooding-protection",
		"--disable-popup-blocking",
		"--disable-prompt-on-repost",
		"--disable-renderer-backgrounding",
		"--disable-sync",
		"--force-color-profile=srgb",
		"--metrics-recording-only",
		"--safebrowsing-disable-auto-update",
		"--enable-automation",
		"--password-store=basic",
		"--use-mock-keychain",
		"--user-data-dir=" + dir,
	}
	if os.Getuid() == 0 {
		flags = append(flags, "--no-sandbox")
	}
	return append(flags, url)
}

func findChrome() (string, error) {
	if c := os.Getenv("CHROME"); c != "" {
		return c, nil
	}
	for _, name := range []string{"chromium", "google-chrome", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, google-chrome or chromium-browser on PATH (make chrome installs one)")
}

// wasmExecJS returns the wasm_exec.js of the Go that built the program:
// it must match the program's runtime.
func wasmExecJS() ([]byte, error) {
	root := os.Getenv("GOROOT")
	if root == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return nil, errors.New("go env GOROOT: " + err.Error())
		}
		root = strings.TrimSpace(string(out))
	}
	return os.ReadFile(filepath.Join(root, "lib", "wasm", "wasm_exec.js"))
}

const indexHTML = `<!doctype html>
<meta charset="utf-8">
<title>wasmrun</title>
<script src="wasm_exec.js"></script>
<script src="run.js"></script>
<script>start(CONFIG);</script>
`

// runJS runs the program in the page or, with cfg.worker, in a Worker
// that loads this same file. Output goes to wasmrun with synchronous
// requests, so that it arrives in order and before the exit status.
const runJS = `"use strict";
let cfg;
function post(path, body) {
  const x = new XMLHttpRequest();
  x.open("POST", path, false);
  x.setRequestHeader("X-Token", cfg.token);
  x.send(body);
}
function fail(msg) {
  post("/out?fd=2", "wasmrun: " + msg + "\n");
  post("/exit", "1");
}
async function runGo() {
  globalThis.fs.writeSync = (fd, buf) => {
    post("/out?fd=" + fd, buf.slice());
    return buf.length;
  };
  const go = new Go();
  go.argv = cfg.argv;
  go.env = cfg.env;
  go.exit = (code) => post("/exit", String(code));
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch("prog.wasm"), go.importObject);
    await go.run(instance);
  } catch (e) {
    fail(String(e && e.stack || e));
  }
}
function start(c) {
  cfg = c;
  addEventListener("error", (e) => fail("uncaught: " + e.message));
  addEventListener("unhandledrejection", (e) => fail("unhandled rejection: " + e.reason));
  if (!cfg.worker) {
    runGo();
    return;
  }
  const w = new Worker("worker.js");
  w.onerror = (e) => fail("worker: " + e.message);
  w.postMessage(cfg);
}
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = (e) => {
    cfg = e.data;
    addEventListener("unhandledrejection", (e) => fail("unhandled rejection: " + e.reason));
    runGo();
  };
}
`
