//go:build !js

package duplextest_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envLeak, set, makes TestLeakChild leak a goroutine: TestMainFindsLeak
// runs this test binary again with it, to see Main fail the run.
const envLeak = "DUPLEXTEST_LEAK"

var forever = make(chan struct{})

func TestLeakChild(t *testing.T) {
	if os.Getenv(envLeak) == "" {
		t.Skip("run by TestMainFindsLeak")
	}
	go func() { <-forever }()
}

func TestMainFindsLeak(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakChild$")
	cmd.Env = append(os.Environ(), envLeak+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the run with a leak fails: %s", out)
	assert.Contains(t, string(out), "duplextest: goroutines still running")
	assert.Contains(t, string(out), "TestLeakChild", "the leaked goroutine's stack")
}
