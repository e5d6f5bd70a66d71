//go:build !js

package reconnect_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// recordingSoak is the soak's server natively: it echoes, records each
// writer's messages in the order it reads them, and does what the
// harness's /drop and /kick do: it cuts TCP after soakDropAfter messages
// on a connection, and kick cuts TCP or sends a close frame. Once it has
// decided to end a connection it records nothing more read on it, so that
// what it recorded is what a server would have acted on.
type recordingSoak struct {
	srv *httptest.Server
	wg  sync.WaitGroup // handlers and closing handshakes

	mu    sync.Mutex
	conns map[*soakConn]struct{}
	seqs  [][]int
	total int64
	clean []int64 // per connection the client closed with soakDone: messages read
}

type soakConn struct {
	ws   *websocket.Conn
	dead bool // under recordingSoak.mu: no longer recorded
	read int64
}

func newSoakServer(t *testing.T) soakServer {
	s := &recordingSoak{conns: map[*soakConn]struct{}{}, seqs: make([][]int, soakWriters)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.kick(0)
		s.srv.Close()
		s.wg.Wait()
	})
	return s
}

func (s *recordingSoak) url() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/soak" }

func (s *recordingSoak) serve(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	sc := &soakConn{ws: ws}
	s.mu.Lock()
	s.conns[sc] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
	}()
	for n := 1; ; n++ {
		typ, p, err := ws.Read(context.Background())
		if err != nil {
			var ce websocket.CloseError
			s.mu.Lock()
			if !sc.dead && errors.As(err, &ce) && ce.Code == websocket.StatusNormalClosure && ce.Reason == soakDone {
				s.clean = append(s.clean, sc.read)
			}
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		if sc.dead {
			s.mu.Unlock()
			continue // read after the server ended it: in flight
		}
		s.total++
		sc.read++
		if w, seq, ok := soakSeq(p); ok && w >= 0 && w < soakWriters {
			s.seqs[w] = append(s.seqs[w], seq)
		}
		cut := n == soakDropAfter
		sc.dead = cut
		s.mu.Unlock()
		if err := ws.Write(context.Background(), typ, p); err != nil {
			return
		}
		if cut {
			return // the deferred CloseNow cuts TCP
		}
	}
}

func (s *recordingSoak) kick(code int) int {
	s.mu.Lock()
	var kicked []*soakConn
	for sc := range s.conns {
		if !sc.dead {
			sc.dead = true
			kicked = append(kicked, sc)
		}
	}
	s.mu.Unlock()
	for _, sc := range kicked {
		if code == 0 {
			_ = sc.ws.CloseNow()
			continue
		}
		s.wg.Go(func() { _ = sc.ws.Close(websocket.StatusCode(code), "soak") })
	}
	return len(kicked)
}

func (s *recordingSoak) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *recordingSoak) closedClean() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.clean) != 1 {
		return 0, false
	}
	return s.clean[0], true
}

func (s *recordingSoak) received() (int64, [][]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seqs := make([][]int, len(s.seqs))
	for i, q := range s.seqs {
		seqs[i] = append([]int(nil), q...)
	}
	return s.total, seqs
}
