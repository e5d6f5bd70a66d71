//go:build !js

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// helperEnv makes the test binary act as the command that run starts.
const helperEnv = "WSHARNESS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		leakcheck.Main(m)
	case "stats":
		// Reach the harness through the URL it was given.
		resp, err := http.Get(os.Getenv(harness.EnvURL) + "/stats")
		if err != nil {
			fmt.Println(err)
			os.Exit(4)
		}
		var s harness.Stats
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			fmt.Println(err)
			os.Exit(5)
		}
		fmt.Printf("stats ok: %d handshakes\n", s.Handshakes)
		os.Exit(0)
	case "env":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
		os.Exit(0)
	case "exit":
		fmt.Fprintln(os.Stderr, "exiting with 3")
		os.Exit(3)
	case "stdin":
		b, _ := io.ReadAll(os.Stdin)
		fmt.Printf("read %q\n", b)
		os.Exit(0)
	case "wait":
		fmt.Println("waiting")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
}

// self runs this test binary as CMD in helper mode.
func self(t *testing.T, mode string) []string {
	t.Setenv(helperEnv, mode)
	return []string{os.Args[0], "-test.run=^$"}
}

func runMain(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunGivesCmdTheHarness(t *testing.T) {
	code, out, errOut := runMain(t, t.Context(), "", append([]string{"run", "--"}, self(t, "stats")...)...)
	require.Equal(t, 0, code, "exit status; stderr: %s", errOut)
	assert.Equal(t, "stats ok: 0 handshakes\n", out)
}

func TestRunCleansEnvironment(t *testing.T) {
	t.Setenv("DUPLEX_API_TOKEN", "t0ken")
	t.Setenv("my_secret_key", "s3cret")
	t.Setenv("DB_PASSWORD", "pw")
	t.Setenv("GITHUB_REF", "main")
	t.Setenv("DUPLEX_KEEP", "kept")
	code, out, errOut := runMain(t, t.Context(), "", append([]string{"run", "--"}, self(t, "env")...)...)
	require.Equal(t, 0, code, "exit status; stderr: %s", errOut)
	for _, leaked := range []string{"t0ken", "s3cret", "pw", "GITHUB_REF"} {
		assert.NotContains(t, out, leaked)
	}
	assert.Contains(t, out, "DUPLEX_KEEP=kept\n")
	assert.Regexp(t, `(?m)^DUPLEX_HARNESS_URL=http://127\.0\.0\.1:\d+$`, out)
}

func TestRunExitStatus(t *testing.T) {
	code, _, errOut := runMain(t, t.Context(), "", append([]string{"run", "--"}, self(t, "exit")...)...)
	assert.Equal(t, 3, code, "CMD's status")
	assert.Contains(t, errOut, "exiting with 3", "CMD's stderr passed through")

	code, _, errOut = runMain(t, t.Context(), "", "run", "--", "/nonexistent/cmd")
	assert.Equal(t, 127, code, "CMD not found")
	assert.Contains(t, errOut, "/nonexistent/cmd")
}

func TestRunPassesStdin(t *testing.T) {
	code, out, _ := runMain(t, t.Context(), "hello", append([]string{"run", "--"}, self(t, "stdin")...)...)
	require.Equal(t, 0, code)
	assert.Equal(t, "read \"hello\"\n", out)
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var code int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer pw.Close()
		code = run(ctx, append([]string{"run", "--"}, self(t, "wait")...), strings.NewReader(""), pw, io.Discard)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "waiting\n", line)
	cancel()
	go io.Copy(io.Discard, pr)
	wg.Wait()
	assert.Equal(t, 128+2, code, "killed by the interrupt it was passed")
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var code int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer pw.Close()
		code = run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, strings.NewReader(""), pw, io.Discard)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	var url string
	_, err = fmt.Sscanf(line, "wsharness: serving on %s", &url)
	require.NoError(t, err, "first line: %q", line)

	resp, err := http.Get(url + "/stats")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	http.DefaultClient.CloseIdleConnections()

	cancel()
	go io.Copy(io.Discard, pr)
	wg.Wait()
	assert.Equal(t, 0, code, "exit status after interrupt")
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"bogus"},
		{"run"},
		{"run", "--"},
		{"serve", "extra"},
		{"serve", "-nope"},
	} {
		code, _, errOut := runMain(t, t.Context(), "", args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.Contains(t, errOut, "usage", "%q", args)
	}
	code, _, errOut := runMain(t, t.Context(), "", "serve", "-addr", "256.0.0.1:0")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "wsharness: ")
}
