//go:build !js

package chat_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/examples/chat"
	"github.com/duplex-go/duplex/examples/chat/chatserver"
	"github.com/duplex-go/duplex/examples/internal/netfault"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/reconnect"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// server is a chatserver.Server on a loopback port that a test can stop
// and start again on the same port.
type server struct {
	t    *testing.T
	s    *chatserver.Server
	addr string
	stop func()
}

func newServer(t *testing.T) *server {
	srv := &server{t: t, s: chatserver.New(), addr: "127.0.0.1:0"}
	srv.start()
	t.Cleanup(func() { srv.down() })
	return srv
}

func (srv *server) url() string { return "ws://" + srv.addr + "/chat" }

func (srv *server) start() {
	ln, err := net.Listen("tcp", srv.addr)
	require.NoError(srv.t, err)
	srv.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	hs := &http.Server{Handler: srv.s.Handler(ctx, srv.t.TempDir())}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	srv.stop = func() {
		cancel() // its WebSockets close with 1001
		_ = hs.Close()
		<-done
	}
}

// down stops the server: its connections close with 1001, and new ones
// are refused until start.
func (srv *server) down() {
	if srv.stop != nil {
		srv.stop()
		srv.stop = nil
	}
}

func join(t *testing.T, url, name string) *chat.Client {
	t.Helper()
	c, err := chat.Join(url, chat.Options{Name: name, Room: "lobby", Backoff: reconnect.Constant(50 * time.Millisecond)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitView waits until cond holds for c's View, for at most 10 s.
func waitView(t *testing.T, c *chat.Client, what string, cond func(chat.View) bool) chat.View {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		v := c.View()
		if cond(v) {
			return v
		}
		select {
		case <-c.Changed():
		case <-deadline:
			t.Fatalf("%s: not after 10 s; the view: %+v", what, v)
		}
	}
}

func connected(v chat.View) bool { return v.Status.State == status.Connected }

// messages returns the messages of log as "name: text".
func messages(log []chat.Entry) []string {
	var out []string
	for _, e := range log {
		if e.Kind == chat.EventMessage {
			out = append(out, e.Name+": "+e.Text)
		}
	}
	return out
}

func hasMessages(n int) func(chat.View) bool {
	return func(v chat.View) bool { return len(messages(v.Log)) >= n }
}

// TestRoom: two clients in a room see each other's messages, in the same
// order, and each other in the member list.
func TestRoom(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ann := join(t, srv.url(), "ann")
	waitView(t, ann, "ann connects", connected)
	bob := join(t, srv.url(), "bob")
	waitView(t, ann, "ann sees bob", func(v chat.View) bool { return len(v.Members) == 2 })

	require.NoError(t, ann.Say("hi bob"))
	require.NoError(t, bob.Say("hi ann"))
	require.NoError(t, ann.Say("  how are you?  "))
	a := waitView(t, ann, "ann has three messages", hasMessages(3))
	b := waitView(t, bob, "bob has three messages", hasMessages(3))
	assert.Equal(t, messages(a.Log), messages(b.Log), "the same messages in the same order")
	assert.ElementsMatch(t, []string{"ann: hi bob", "bob: hi ann", "ann: how are you?"}, messages(a.Log))
	assert.Equal(t, []string{"ann", "bob"}, b.Members, "bob's member list")
	assert.Equal(t, chat.EventJoin, b.Log[0].Kind, "bob's history starts with ann's join")
	for i, e := range b.Log {
		assert.Equal(t, uint64(i+1), e.Seq, "events in order, none missing")
		assert.False(t, e.Missed, "nothing missed")
		assert.WithinDuration(t, time.Now(), e.Time, time.Minute, "time stamp")
	}
	waitView(t, ann, "ann's messages no longer pending", func(v chat.View) bool { return len(v.Pending) == 0 })

	require.NoError(t, bob.Close())
	v := waitView(t, ann, "ann sees bob leave", func(v chat.View) bool { return len(v.Members) == 1 })
	assert.Equal(t, chat.EventLeave, v.Log[len(v.Log)-1].Kind)
	assert.Equal(t, "[", v.Log[len(v.Log)-1].String()[:1], "printed with its time")
	assert.True(t, strings.HasSuffix(v.Log[len(v.Log)-1].String(), "] bob left"), "printed: %s", v.Log[len(v.Log)-1])
}

// TestRestart: the server stops and starts again on the same port,
// keeping its rooms. Clients say they are reconnecting, a message typed
// meanwhile is pending, then delivered once; a client that came back
// later finds in its log, marked missed, what happened without it.
func TestRestart(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ann := join(t, srv.url(), "ann")
	waitView(t, ann, "ann connects", connected)
	bob := join(t, srv.url(), "bob")
	waitView(t, bob, "bob connects", connected)
	require.NoError(t, ann.Say("before"))
	waitView(t, bob, "bob has the first message", hasMessages(1))
	waitView(t, ann, "ann's message is no longer pending", func(v chat.View) bool { return len(v.Pending) == 0 })

	srv.down()
	for _, c := range []*chat.Client{ann, bob} {
		v := waitView(t, c, "the client reconnects", func(v chat.View) bool { return v.Status.State == status.Reconnecting })
		// The first wait follows the server's close; later ones, failed
		// dials.
		assert.Regexp(t, `^reconnecting in \d+ s, attempt \d+: (the server went away \(1001: server stopping\)|cannot reach the server)$`, v.Status.Text(time.Now()))
	}
	require.NoError(t, bob.Close()) // bob comes back later
	require.NoError(t, ann.Say("while down"))
	v := ann.View()
	require.Len(t, v.Pending, 1, "typed while disconnected: pending")
	assert.Equal(t, "while down", v.Pending[0].Text)

	srv.start()
	v = waitView(t, ann, "ann delivers", func(v chat.View) bool { return len(v.Pending) == 0 && len(messages(v.Log)) == 2 })
	assert.Equal(t, []string{"ann: before", "ann: while down"}, messages(v.Log), "once, after the first")

	bob = join(t, srv.url(), "bob")
	b := waitView(t, bob, "bob has both messages", hasMessages(2))
	assert.Equal(t, messages(v.Log), messages(b.Log))

	// ann, who stayed, saw bob leave and come back: her log says the
	// same as the server's history.
	a := waitView(t, ann, "ann sees bob again", func(v chat.View) bool { return len(v.Members) == 2 })
	var missed int
	for _, e := range a.Log {
		if e.Missed {
			missed++
		}
	}
	assert.Positive(t, missed, "the events during the outage came with the rejoin: %v", a.Log)
	seqs := func(log []chat.Entry) (s []uint64) {
		for _, e := range log {
			s = append(s, e.Seq)
		}
		return s
	}
	b = waitView(t, bob, "bob's log as long as ann's", func(v chat.View) bool { return len(v.Log) >= len(a.Log) })
	assert.Equal(t, seqs(a.Log), seqs(b.Log)[:len(a.Log)], "the same events")
}

// TestCutInFlight: the network goes while a message is on its way; once
// it is back, the message reaches the room once, and the one typed after
// it follows it.
func TestCutInFlight(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	link := netfault.New(t, srv.addr)
	ann := join(t, "ws://"+link.Addr+"/chat", "ann")
	waitView(t, ann, "ann connects", connected)
	bob := join(t, srv.url(), "bob")
	waitView(t, bob, "bob connects", connected)

	// What ann sends now is lost: nothing passes, either way.
	link.Hold()
	require.NoError(t, ann.Say("one"))
	require.NoError(t, ann.Say("two"))
	link.Stop() // her connection is cut, and new ones refused
	waitView(t, ann, "ann reconnects", func(v chat.View) bool { return v.Status.State == status.Reconnecting })
	link.Release()
	link.Start()

	v := waitView(t, ann, "ann delivers both", func(v chat.View) bool { return len(v.Pending) == 0 && len(messages(v.Log)) == 2 })
	assert.Equal(t, []string{"ann: one", "ann: two"}, messages(v.Log))
	b := waitView(t, bob, "bob has both", hasMessages(2))
	assert.Equal(t, []string{"ann: one", "ann: two"}, messages(b.Log), "once each, in order")
}

// TestSilentLink: the link dies without a word (nothing passes either
// way, and TCP stays up): the heartbeat finds it, the client says so and
// dials again, and once the link is back, what was said meanwhile
// reaches the room once.
func TestSilentLink(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	link := netfault.New(t, srv.addr)
	ann, err := chat.Join("ws://"+link.Addr+"/chat", chat.Options{
		Name: "ann", Room: "lobby",
		Backoff:   reconnect.Constant(50 * time.Millisecond),
		Heartbeat: 300 * time.Millisecond, // see echo's TestSilentLink
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ann.Close() })
	waitView(t, ann, "ann connects", connected)
	before := srv.s.Pings()

	// Idle and connected: the heartbeat keeps asking, and the server
	// answers, out of sight of the room.
	require.Eventually(t, func() bool { return srv.s.Pings() >= before+3 }, 10*time.Second, 10*time.Millisecond, "ann's heartbeat")
	v := ann.View()
	assert.Equal(t, status.Connected, v.Status.State, "still connected")
	assert.Zero(t, v.Status.Attempt, "on the first connection")

	link.Hold()
	require.NoError(t, ann.Say("one"))
	v = waitView(t, ann, "ann finds the link dead", func(v chat.View) bool { return v.Status.State != status.Connected })
	assert.ErrorIs(t, v.Status.Err, reconnect.ErrHeartbeatTimeout)
	assert.Equal(t, "the server stopped answering", status.Explain(v.Status.Err))
	link.Release()
	v = waitView(t, ann, "ann delivers", func(v chat.View) bool { return len(v.Pending) == 0 && len(messages(v.Log)) == 1 })
	assert.Equal(t, []string{"ann: one"}, messages(v.Log), "once")
}

// TestNewServer: the server restarts without its history (a new
// process): clients note it and start again from the new history; a
// message typed meanwhile is delivered.
func TestNewServer(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ann := join(t, srv.url(), "ann")
	require.NoError(t, ann.Say("one"))
	// Shown, perhaps not yet answered: either way it is not sent to the
	// new server (TestShownBeforeAnswered makes sure of the second).
	waitView(t, ann, "ann has her message", hasMessages(1))
	srv.down()
	waitView(t, ann, "ann reconnects", func(v chat.View) bool { return v.Status.State == status.Reconnecting })
	require.NoError(t, ann.Say("two"))
	srv.s = chatserver.New()
	srv.start()
	v := waitView(t, ann, "ann delivers", func(v chat.View) bool { return len(v.Pending) == 0 && len(messages(v.Log)) == 2 })
	assert.Equal(t, []string{"ann: one", "ann: two"}, messages(v.Log))
	var notes []string
	for _, e := range v.Log {
		if e.Kind == chat.EventNote {
			notes = append(notes, e.Text)
		}
	}
	assert.Equal(t, []string{"the server restarted: its history starts again"}, notes)
}

// TestBadInput: what the client refuses itself, with a message for a
// person, and what the server refuses.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, room, want string
	}{
		{"", "lobby", "the name is empty"},
		{"   ", "lobby", "the name is empty"},
		{strings.Repeat("é", chat.MaxName+1), "lobby", "the name is too long: 25 characters, at most 24"},
		{"ann", "", "the room is empty"},
		{"ann", "a room", `the room may not contain ' '`},
		{"a\x01", "lobby", `the name may not contain '\x01'`},
	} {
		_, err := chat.Join("ws://127.0.0.1:1/chat", chat.Options{Name: tt.name, Room: tt.room})
		require.ErrorIs(t, err, chat.ErrInput, "name %q, room %q", tt.name, tt.room)
		assert.EqualError(t, err, "chat: "+tt.want)
		assert.Equal(t, tt.want, status.Explain(err), "for a person")
	}

	srv := newServer(t)
	ann := join(t, srv.url(), "ann")
	err := ann.Say(strings.Repeat("x", chat.MaxText+1))
	require.ErrorIs(t, err, chat.ErrInput)
	assert.EqualError(t, err, "chat: the message is too long: 2001 characters, at most 2000")
	require.ErrorIs(t, ann.Say(" \n "), chat.ErrInput)
	assert.Empty(t, ann.View().Pending, "nothing refused is pending")

	// The name is taken: the server refuses, and the client stops.
	waitView(t, ann, "ann connects", connected)
	other := join(t, srv.url(), "ann")
	v := waitView(t, other, "the second ann is refused", func(v chat.View) bool { return v.Status.State == status.Closed })
	assert.Equal(t, `closed: the name "ann" is taken in room lobby`, v.Status.Text(time.Now()))
	require.ErrorIs(t, other.Say("hi"), chat.ErrClosed)
}

// TestServerDown: a server that is not there at the start: the client
// says it cannot reach it, and counts its attempts, until it comes.
func TestServerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &server{t: t, s: chatserver.New(), addr: ln.Addr().String()}
	require.NoError(t, ln.Close())
	t.Cleanup(func() { srv.down() })

	ann := join(t, srv.url(), "ann")
	require.NoError(t, ann.Say("hello"))
	v := waitView(t, ann, "a redial", func(v chat.View) bool { return v.Status.Attempt >= 1 })
	assert.Regexp(t, `^(reconnecting in \d+ s|connecting), attempt \d+: cannot reach the server$`, v.Status.Text(time.Now()))
	srv.start()
	v = waitView(t, ann, "ann delivers", func(v chat.View) bool { return len(v.Pending) == 0 && len(messages(v.Log)) == 1 })
	assert.Equal(t, "connected", v.Status.Text(time.Now()))
}

// TestSayOnce: the server takes each message of a client once, however
// often it comes.
func TestSayOnce(t *testing.T) {
	t.Parallel()
	// A say sent twice is what a lost reply makes the client do; the
	// server's answer is the same both times.
	srv := newServer(t)
	ann := join(t, srv.url(), "ann")
	waitView(t, ann, "ann connects", connected)
	raw := rawClient(t, srv.url(), "bob")
	first := raw.say(1, "once")
	again := raw.say(1, "once")
	assert.Equal(t, first, again, "the same event")
	v := waitView(t, ann, "ann has bob's message", hasMessages(1))
	require.NoError(t, ann.Say("after"))
	v = waitView(t, ann, "ann has hers", hasMessages(2))
	assert.Equal(t, []string{"bob: once", "ann: after"}, messages(v.Log))
}
