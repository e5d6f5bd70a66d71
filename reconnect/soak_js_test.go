//go:build js && wasm

package reconnect_test

import (
	"strconv"
	"testing"

	"github.com/duplex-go/duplex/internal/wstest"
)

// harnessSoak is the soak's server in the browser: the harness's /drop,
// which echoes and cuts TCP after soakDropAfter messages, kicked through
// /kick. The harness counts what it reads (/stats), but cannot say which
// messages those were: the echoes show their order.
type harnessSoak struct {
	t  *testing.T
	id string
}

func newSoakServer(t *testing.T) soakServer {
	return &harnessSoak{t: t, id: wstest.ID(t)}
}

func (s *harnessSoak) url() string {
	return wstest.URL(s.t, "/drop?after="+strconv.Itoa(soakDropAfter)+"&id="+s.id)
}

func (s *harnessSoak) kick(code int) int {
	return wstest.Kick(s.t, s.id, code, "soak")
}

func (s *harnessSoak) open() int {
	return int(wstest.Stats(s.t, s.id).Open)
}

func (s *harnessSoak) closedClean() (int64, bool) {
	for _, cs := range wstest.Stats(s.t, s.id).Conns {
		if cs.ClientCloseCode == 1000 && cs.ClientCloseReason == soakDone {
			return cs.MessagesReceived, true
		}
	}
	return 0, false
}

func (s *harnessSoak) received() (int64, [][]int) {
	return wstest.Stats(s.t, s.id).MessagesReceived, nil
}
