//go:build !js

package harness_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// What a test asks of the harness: stats, ids, kicks, bad parameters, shutting down.

func TestStats(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx := testCtx(t)
	a := dial(t, s.ws+"/echo?id=st", nil)
	b := dial(t, s.ws+"/echo?id=st", nil)
	untagged := dial(t, s.ws+"/echo", nil)
	for _, c := range []*websocket.Conn{a, b, untagged} {
		require.NoError(t, c.Write(ctx, websocket.MessageBinary, []byte("12345")))
		read(t, c)
	}
	require.NoError(t, a.Close(4002, "done here"))
	eventually(t, "a closed", func() bool { return getStats(t, s, "st").Open == 1 })

	st := getStats(t, s, "st")
	assert.Equal(t, int64(2), st.Handshakes, "handshakes")
	assert.Equal(t, int64(2), st.MessagesReceived, "messages received")
	assert.Equal(t, int64(2), st.MessagesSent, "messages sent")
	assert.Equal(t, int64(10), st.BytesReceived, "bytes received")
	assert.Equal(t, int64(10), st.BytesSent, "bytes sent")
	require.Len(t, st.Conns, 2)
	assert.Equal(t, harness.ConnStats{
		Path: "/echo", MessagesReceived: 1, MessagesSent: 1,
		ClientCloseCode: 4002, ClientCloseReason: "done here",
	}, st.Conns[0], "first connection")
	assert.True(t, st.Conns[1].Open, "second connection open")

	all := s.h.Stats("")
	assert.Equal(t, int64(3), all.Handshakes, "total handshakes")
	assert.Equal(t, int64(2), all.Open, "total open")
	assert.Empty(t, all.Conns, "totals list no connections")
	assert.Equal(t, harness.Stats{}, s.h.Stats("never-seen"), "unknown id")

	_, _, err := websocket.Dial(ctx, s.ws+"/close?code=1005&id=st", nil)
	require.Error(t, err)
	eventually(t, "refusal counted", func() bool { return getStats(t, s, "st").Refused == 1 })
}

// refuseIDs has the harness refuse one handshake for each id, in order,
// calling it directly (no network: there are many).
func refuseIDs(t *testing.T, h *harness.Harness, ids ...string) {
	t.Helper()
	for _, id := range ids {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/reject?status=503&id="+id, nil))
		require.Equal(t, http.StatusServiceUnavailable, w.Code, "refused %s", id)
	}
}

func idRange(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + strconv.Itoa(i)
	}
	return ids
}

// TestIdleIDs checks the rule of MaxIdleIDs: the harness forgets the ids
// with no open connection used least recently, keeps those used since,
// and never forgets an id whose connection is open.
func TestIdleIDs(t *testing.T) {
	t.Parallel()
	known := func(h *harness.Harness, id string) bool { return h.Stats(id).Refused+h.Stats(id).Handshakes > 0 }

	t.Run("the least recently used go", func(t *testing.T) {
		t.Parallel()
		h := harness.New(nil)
		defer h.Close()
		ids := idRange("old", harness.MaxIdleIDs+3)
		refuseIDs(t, h, ids...)
		for _, id := range ids[:3] {
			assert.False(t, known(h, id), "%s, used before the last MaxIdleIDs, forgotten", id)
		}
		for _, id := range []string{ids[3], ids[len(ids)-1]} {
			assert.Equal(t, int64(1), h.Stats(id).Refused, "%s kept", id)
		}
		assert.Equal(t, int64(len(ids)), h.Stats("").Refused, "the totals count every id")
	})

	t.Run("a read keeps an id", func(t *testing.T) {
		t.Parallel()
		h := harness.New(nil)
		defer h.Close()
		refuseIDs(t, h, "read", "unread")
		refuseIDs(t, h, idRange("other", harness.MaxIdleIDs-2)...)
		assert.Equal(t, int64(1), h.Stats("read").Refused, "read before it is the oldest")
		refuseIDs(t, h, "one-more", "and-another")
		assert.Equal(t, int64(1), h.Stats("read").Refused, "the id read is kept")
		assert.False(t, known(h, "unread"), "the id not read, now the oldest, is forgotten")
	})

	t.Run("an open connection keeps its id", func(t *testing.T) {
		t.Parallel()
		s := start(t, nil)
		c := dial(t, s.ws+"/echo?id=open", nil)
		refuseIDs(t, s.h, idRange("busy", harness.MaxIdleIDs+1)...)
		st := s.h.Stats("open")
		assert.Equal(t, int64(1), st.Open, "open")
		assert.Equal(t, int64(1), st.Handshakes, "handshakes")

		// Closed, it is the idle id used most recently: the next ids used
		// push out older ones first.
		require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
		eventually(t, "closed", func() bool { return s.h.Stats("open").Open == 0 })
		refuseIDs(t, s.h, idRange("after", harness.MaxIdleIDs-1)...)
		st = getStats(t, s, "open")
		assert.Equal(t, int64(1), st.Handshakes, "read over /stats after its connection closed")
		require.Len(t, st.Conns, 1)
		assert.Equal(t, int(websocket.StatusNormalClosure), st.Conns[0].ClientCloseCode, "close frame")
	})
}

func TestKick(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx := testCtx(t)
	x1 := dial(t, s.ws+"/echo?id=x", nil)
	x2 := dial(t, s.ws+"/silent?id=x", nil)
	y := dial(t, s.ws+"/echo?id=y", nil)

	resp, err := http.Get(s.http + "/kick?id=x&code=4003&reason=kicked")
	require.NoError(t, err)
	var out struct{ Kicked int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, 2, out.Kicked, "kicked")

	_, _, err = x1.Read(ctx)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, websocket.StatusCode(4003), ce.Code)
	assert.Equal(t, "kicked", ce.Reason)
	_, _, err = x2.Read(ctx)
	require.ErrorAs(t, err, &ce, "the silent scenario is closed too")

	require.NoError(t, y.Write(ctx, websocket.MessageText, []byte("still here")))
	_, p := read(t, y)
	assert.Equal(t, "still here", string(p), "other ids untouched")

	// Without a code, a TCP cut.
	resp, err = http.Get(s.http + "/kick?id=y")
	require.NoError(t, err)
	resp.Body.Close()
	_, _, err = y.Read(ctx)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "cut: %v", err)
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, path := range []string{
		"/echo?compress=zstd",
		"/echo?limit=many",
		"/clock?every=0s",
		"/clock?every=soon",
		"/clock?count=-1",
		"/chat?queue=0",
		"/drop?how=gently",
		"/drop?after=x",
		"/close?code=1005",
		"/close?code=1006",
		"/close?code=999",
		"/close?code=2000",
		"/close?reason=" + strings.Repeat("r", 124),
		"/flood?type=json",
		"/flood?size=-1",
		"/flood?hold=x",
		"/flood?hold=-1s",
		"/slow?delay=-1s",
		"/silent?hold=x",
		"/hang?hold=x",
		"/reject?status=101",
		"/reject?status=200",
		"/kick",
		"/kick?id=x&code=1006",
		"/stall?size=-1",
		"/stall?size=4611686018427387905",
		"/stall?size=x",
		"/stall?size=10&send=11",
		"/stall?send=-1",
		"/stall?type=json",
		"/stall?frag=2",
		"/stall?ok=-1",
		"/stall?ok=1048577",
		"/stall?hold=x",
		"/stall?hold=-1s",
		"/stall?compress=context",
		"/stall?limit=x",
		"/bad",
		"/bad?frame=",
		"/bad?frame=nope",
		"/bad?frame=RSV",
		"/bad?frame=rsv&ok=x",
		"/garbage?seed=-1",
		"/garbage?seed=18446744073709551616",
		"/garbage?seed=x",
		"/garbage?n=-1",
		"/garbage?n=1073741825",
		"/raw?b64=!!!!",
		"/raw?b64=A",
		"/raw?b64=iAID6A%2B%2B",
		"/raw?b64=" + strings.Repeat("A", 87383), // 64 KiB + 1
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(s.http + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "status (%s)", body)
			assert.True(t, strings.HasPrefix(string(body), "harness: "), "error says who: %q", body)
		})
	}
}

func TestHarnessClose(t *testing.T) {
	t.Parallel()
	h := harness.New(nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := testCtx(t)
	var conns []*websocket.Conn
	for _, path := range []string{"/echo", "/silent", "/clock", "/flood?n=0&size=1024", "/slow", "/chat"} {
		c, _, err := websocket.Dial(ctx, ws+path, nil)
		require.NoError(t, err, path)
		defer c.CloseNow()
		conns = append(conns, c)
	}
	require.NoError(t, h.Close())
	for i, c := range conns {
		c.SetReadLimit(-1)
		var err error
		for err == nil { // the flood may have messages in flight
			_, _, err = c.Read(ctx)
		}
		assert.Error(t, err, "connection %d ended", i)
	}
	assert.Equal(t, int64(0), h.Stats("").Open, "open after Close")
	require.NoError(t, h.Close(), "Close twice")

	resp, err := http.Get(srv.URL + "/stats")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "after Close")
}

func TestIndex(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	resp, err := http.Get(s.http + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, path := range []string{"/echo", "/stall", "/bad?frame=", "/garbage", "/raw?b64="} {
		assert.Contains(t, string(body), path)
	}
	resp, err = http.Get(s.http + "/nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
