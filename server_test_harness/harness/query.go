//go:build !js

package harness

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/wsspec"
)

// query reads typed query parameters.
type query struct{ vals map[string][]string }

func (q query) Get(k string) string {
	if v := q.vals[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (q query) Has(k string) bool { _, ok := q.vals[k]; return ok }

func (q query) int(k string, def, lo, hi int) (int, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from %d to %d", k, s, lo, hi)
	}
	return n, nil
}

func (q query) uint64(k string, def, hi uint64) (uint64, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from 0 to %d", k, s, hi)
	}
	return n, nil
}

func (q query) duration(k string, def, lo time.Duration) (time.Duration, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < lo {
		return 0, fmt.Errorf("%s=%q: want a duration of at least %v, such as 250ms", k, s, lo)
	}
	return d, nil
}

// closeFrame parses code= and reason=. The code must be one a peer may
// send; reason must fit a close frame (123 bytes).
func (q query) closeFrame(def int) (websocket.StatusCode, string, error) {
	code, err := q.int("code", def, 0, 4999)
	if err != nil {
		return 0, "", err
	}
	if code != def && !wsspec.PeerCloseCode(code) {
		return 0, "", fmt.Errorf("code=%d: not a close code a peer may send (1000-1003, 1007-1014, 3000-4999)", code)
	}
	reason := q.Get("reason")
	if len(reason) > 123 {
		return 0, "", fmt.Errorf("reason: %d bytes, over the 123 a close frame holds", len(reason))
	}
	return websocket.StatusCode(code), reason, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
