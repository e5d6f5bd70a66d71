package duplextest

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
)

// EnvURL names the environment variable that holds the harness's base
// URL (such as http://127.0.0.1:40123) for browser tests.
const EnvURL = wstest.EnvURL

// URL returns the ws:// URL of path (with its query) on the harness, such
// as URL(t, "/echo") or URL(t, "/drop?after=3").
func URL(t testing.TB, path string) string {
	t.Helper()
	return wstest.URL(t, path)
}

// HTTPURL returns the http:// URL of path on the harness.
func HTTPURL(t testing.TB, path string) string {
	t.Helper()
	return wstest.HTTPURL(t, path)
}

// ID returns a tag, unique to the test, for the harness's id= query
// parameter: in the browser one harness serves every test, so a test
// tags its connections to tell them apart in the harness's /stats.
func ID(t testing.TB) string { return wstest.ID(t) }

// Grace is how long Main waits, after the tests, for goroutines to end
// and js.Funcs to be released.
const Grace = leakcheck.Grace

// Main runs the tests, then fails the test binary if goroutines that
// started during the tests are still running after Grace, printing their
// stacks; in the browser, also if js.Funcs made by duplex (counted by
// jsbridge.LiveFuncs) are still unreleased. Call it from TestMain. It
// does not return.
func Main(m *testing.M) {
	before, funcs := leakcheck.Now(), liveFuncs()
	code := m.Run()
	if code == 0 {
		if leaked := leakcheck.Wait(before, Grace); leaked != "" {
			os.Stderr.WriteString("duplextest: goroutines still running " + Grace.String() + " after the tests:\n\n" + leaked + "\n")
			code = 1
		}
	}
	if code == 0 {
		deadline := time.Now().Add(Grace)
		for liveFuncs() != funcs && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := liveFuncs(); n != funcs {
			os.Stderr.WriteString("duplextest: " + strconv.Itoa(n-funcs) + " js.Funcs made by duplex still unreleased " + Grace.String() + " after the tests\n")
			code = 1
		}
	}
	os.Exit(code)
}
