// Package wstest hands a test the URL of the duplex test harness
// (server_test_harness/harness), the same way natively and in the browser,
// so that one test file runs on both platforms.
//
//	func TestEcho(t *testing.T) {
//		id := wstest.ID(t)
//		url := wstest.URL(t, "/echo?id="+id)
//		// dial url, write, read ...
//		require.Equal(t, int64(1), wstest.Stats(t, id).Handshakes)
//	}
//
// Natively, the first call in a test starts a harness in-process on
// 127.0.0.1 and t.Cleanup stops it; every call in the same test (not its
// subtests) gets the same harness. Under GOOS=js, the URL comes from the
// environment variable named by [EnvURL], which `wsharness run` sets for
// the browser test run (`make test`); one harness then serves every test, so
// tests tag their connections with [ID] instead of relying on being alone.
package wstest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// EnvURL names the environment variable holding the harness's base URL,
// such as http://127.0.0.1:40123.
const EnvURL = harness.EnvURL

// URL returns the ws:// URL of path (with its query) on the harness.
func URL(t testing.TB, path string) string {
	t.Helper()
	return "ws" + strings.TrimPrefix(base(t), "http") + path
}

// HTTPURL returns the http:// URL of path (with its query) on the harness.
func HTTPURL(t testing.TB, path string) string {
	t.Helper()
	return base(t) + path
}

// ID returns a tag for the id= query parameter that no other test uses.
// It is made of letters, digits and "._-", so it reads the same in a URL
// and in [Stats].
func ID(t testing.TB) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '.'
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, t.Name())
	return fmt.Sprintf("%s-%08x", name, rand.Uint32())
}

// Stats returns what the harness has seen of the connections tagged id.
func Stats(t testing.TB, id string) harness.Stats {
	t.Helper()
	var s harness.Stats
	getJSON(t, HTTPURL(t, "/stats?id="+url.QueryEscape(id)), &s)
	return s
}

// CloseSeen waits (up to 5 s) until the harness has recorded the close
// frame of the one connection tagged id, and returns that connection's
// stats. The harness records a close frame after answering it, so a client
// whose Close has returned may ask a moment too early; tests that check
// what the server got use this instead of [Stats].
//
// In the browser the request for the stats waits behind everything the
// page still has to take in: a server that sends without end until it
// gets the close (/flood?n=0) can keep it waiting for seconds on a busy
// machine, so such a test bounds the flood (/flood?n=N&hold=D).
func CloseSeen(t testing.TB, id string) harness.ConnStats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := Stats(t, id)
		if len(s.Conns) == 1 && s.Conns[0].ClientCloseCode != 0 {
			return s.Conns[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("wstest: the harness recorded no close frame for %s: %+v", id, s.Conns)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kick ends every open connection tagged id: with a close frame carrying
// code and reason when code is not 0, else by cutting TCP. It returns how
// many connections it ended.
func Kick(t testing.TB, id string, code int, reason string) int {
	t.Helper()
	q := url.Values{"id": {id}}
	if code != 0 {
		q.Set("code", fmt.Sprint(code))
		q.Set("reason", reason)
	}
	var out struct{ Kicked int }
	getJSON(t, HTTPURL(t, "/kick?"+q.Encode()), &out)
	return out.Kicked
}

var client = &http.Client{}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	defer client.CloseIdleConnections()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("wstest: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("wstest: GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("wstest: GET %s: %v", u, err)
	}
}
