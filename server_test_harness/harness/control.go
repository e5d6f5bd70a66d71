//go:build !js

package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
)

func (h *Harness) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, h.Stats(r.URL.Query().Get("id")))
}

func (h *Harness) kick(w http.ResponseWriter, r *http.Request) {
	q := query{r.URL.Query()}
	id := q.Get("id")
	if id == "" {
		http.Error(w, "harness: kick needs id=", http.StatusBadRequest)
		return
	}
	code, reason, err := q.closeFrame(0)
	if err != nil {
		http.Error(w, "harness: "+err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	var kicked []*conn
	for c := range h.conns {
		if c.id == id && !c.kicked { // one still ending counts once
			c.kicked = true
			kicked = append(kicked, c)
		}
	}
	h.mu.Unlock()
	for _, c := range kicked {
		if code == 0 {
			c.cut(false)
			continue
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			c.closeWith(code, reason)
		}()
	}
	writeJSON(w, map[string]int{"kicked": len(kicked)})
}

func (h *Harness) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, `duplex test harness: WebSocket scenarios

/echo /clock /chat /drop /close /reject /hang /flood /slow /silent /badutf8
hostile peers: /stall /bad?frame= /garbage /raw?b64=
/stats?id= /kick?id=

See https://pkg.go.dev/github.com/duplex-go/duplex/server_test_harness/harness
`)
}

// cors lets pages from any origin call a control endpoint with GET or
// POST, so that browser tests can read stats and kick connections.
func cors(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		switch r.Method {
		case http.MethodGet, http.MethodPost:
			fn(w, r)
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			http.Error(w, "harness: method not allowed", http.StatusMethodNotAllowed)
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
