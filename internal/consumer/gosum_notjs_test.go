//go:build !js

package consumer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// allowed are the modules a module that imports client, reconnect and
// codec may find in its go.sum, and why. go mod tidy records the modules
// that build the packages it imports, and also those that the tests of
// those packages import (so that `go test all` can check them): the
// latter are the price of duplex's own tests, kept to the few the
// project chose.
var allowed = map[string]string{
	"github.com/coder/websocket":   "client's native transport",
	"github.com/stretchr/testify":  "the tests of client, reconnect and codec",
	"go.yaml.in/yaml/v3":           "testify's assert/yaml, which its require imports",
	"github.com/fxamacker/cbor/v2": "codec's tests run each case in CBOR too (codec/cbor)",
	"github.com/x448/float16":      "fxamacker/cbor's half-precision floats",
}

// consumerMain is what the module builds: a little of each package.
const consumerMain = `package main

import (
	"context"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/reconnect"
)

type chat struct{ Text string }

func main() {
	ctx := context.Background()
	c, err := reconnect.Dial(ctx, "ws://127.0.0.1:1/", &reconnect.Options{Dial: client.Options{ReadLimit: 1 << 20}})
	if err != nil {
		return
	}
	defer c.CloseNow()
	_ = codec.NewConn(c, codec.JSON[chat]{}).Send(ctx, chat{Text: "hi"})
}
`

// TestConsumerGoSum builds, natively and for the browser, a fresh module
// that imports client, reconnect and codec from this checkout (through a
// replace directive), and checks its go.sum against allowed. Before the
// tools and the test-only dependencies left the root module, that go.sum
// named 22 modules (44 lines): toxiproxy, prometheus, zerolog, gorilla/mux,
// protobuf, ...
func TestConsumerGoSum(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the checkout's root")

	dir := t.TempDir()
	gomod := "module example.com/consumer\n\ngo 1.26.0\n\n" +
		"require github.com/duplex-go/duplex v0.0.0\n\n" +
		"replace github.com/duplex-go/duplex => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(consumerMain), 0o644))

	goCmd := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s: %s", strings.Join(args, " "), out)
	}
	goCmd(nil, "mod", "tidy")
	// What tidy wrote must be enough to build the program, on both
	// platforms, with no module added.
	goCmd([]string{"GOFLAGS=-mod=readonly"}, "build", "-o", os.DevNull, ".")
	goCmd([]string{"GOFLAGS=-mod=readonly", "GOOS=js", "GOARCH=wasm"}, "build", "-o", os.DevNull, ".")

	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	require.NoError(t, err)
	var mods []string
	for line := range strings.Lines(string(sum)) {
		if m, _, ok := strings.Cut(line, " "); ok && !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	t.Logf("the consumer's go.sum: %d modules, %d lines", len(mods), strings.Count(string(sum), "\n"))
	for _, m := range mods {
		if _, ok := allowed[m]; !ok {
			t.Errorf("the consumer's go.sum names %s: a module that depends on duplex should not see it "+
				"(a tool or test-only dependency belongs in internal/tools or in a module of its own, such as examples/)", m)
		}
	}
}
