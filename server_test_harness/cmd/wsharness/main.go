//go:build !js

// Command wsharness runs the duplex test harness on loopback.
//
//	wsharness serve [-addr 127.0.0.1:8081]
//	wsharness run [-addr 127.0.0.1:0] -- CMD [ARGS...]
//
// serve runs the harness until interrupted and prints its URL. run starts
// the harness on a free loopback port, runs CMD with the harness's base URL
// in DUPLEX_HARNESS_URL, passes CMD's input and output through, stops the
// harness when CMD ends and exits with CMD's status. It is how the browser
// tests find the harness:
//
//	wsharness run -- env GOOS=js GOARCH=wasm go test -exec=$PWD/bin/wasmbrowsertest ./...
//
// run removes variables whose names contain TOKEN, SECRET or PASSWORD, and
// those starting with GITHUB_, from CMD's environment, because
// wasmbrowsertest copies the whole environment into the page.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  wsharness serve [-addr 127.0.0.1:8081]
  wsharness run [-addr 127.0.0.1:0] -- CMD [ARGS...]
`

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("wsharness "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	switch args[0] {
	case "serve":
		addr := fs.String("addr", "127.0.0.1:8081", "`address` to listen on")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if fs.NArg() != 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return serve(ctx, *addr, stdout, stderr)
	case "run":
		addr := fs.String("addr", "127.0.0.1:0", "`address` to listen on")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return runCmd(ctx, *addr, fs.Args(), stdin, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "wsharness: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

// server is the harness listening on loopback.
type server struct {
	h   *harness.Harness
	srv *http.Server
	url string
	err chan error
}

func start(addr string, stderr io.Writer) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wsharness: %w", err)
	}
	logger := log.New(stderr, "wsharness: ", 0)
	h := harness.New(&harness.Options{Logf: logger.Printf})
	s := &server{
		h:   h,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger},
		url: "http://" + ln.Addr().String(),
		err: make(chan error, 1),
	}
	go func() { s.err <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) stop() {
	s.h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.err
}

func serve(ctx context.Context, addr string, stdout, stderr io.Writer) int {
	s, err := start(addr, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "wsharness: serving on %s (%s=%s)\n", s.url, harness.EnvURL, s.url)
	select {
	case <-ctx.Done():
		s.stop()
		return 0
	case err := <-s.err:
		fmt.Fprintf(stderr, "wsharness: %v\n", err)
		s.h.Close()
		return 1
	}
}

func runCmd(ctx context.Context, addr string, argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s, err := start(addr, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer s.stop()

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = append(cleanEnv(os.Environ()), harness.EnvURL+"="+s.url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "wsharness: %v\n", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Pass the interrupt on and give CMD a moment to finish.
		_ = cmd.Process.Signal(os.Interrupt)
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case err = <-done:
		case <-t.C:
			_ = cmd.Process.Kill()
			err = <-done
		}
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code >= 0 {
			return code
		}
		return 128 + int(exit.Sys().(syscall.WaitStatus).Signal())
	default:
		fmt.Fprintf(stderr, "wsharness: %v\n", err)
		return 1
	}
}

// cleanEnv drops variables that may hold credentials: wasmbrowsertest
// copies the environment into a web page.
func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.Contains(upper, "TOKEN") || strings.Contains(upper, "SECRET") ||
			strings.Contains(upper, "PASSWORD") || strings.HasPrefix(upper, "GITHUB_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
