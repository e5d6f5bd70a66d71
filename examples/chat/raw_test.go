//go:build !js

package chat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
	"github.com/duplex-go/duplex/examples/chat"
	"github.com/duplex-go/duplex/examples/internal/status"
)

// raw is a client of the chat protocol made of client and codec alone,
// for what chat.Client never does.
type raw struct {
	t *testing.T
	r *codec.Router
}

func rawClient(t *testing.T, url, name string) *raw {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	c, err := client.Dial(ctx, url, nil)
	require.NoError(t, err)
	r := codec.NewRouter(c, &codec.RouterOptions{OnError: func(context.Context, error) {}})
	codec.Handle(r, chat.KindEvent, func(context.Context, chat.Event) error { return nil })
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(context.Background()) }()
	t.Cleanup(func() { _ = c.CloseNow(); <-done })
	_, err = codec.Call[chat.JoinRequest, chat.JoinReply](ctx, r, chat.KindJoin, chat.JoinRequest{Room: "lobby", Name: name, Client: name})
	require.NoError(t, err)
	return &raw{t: t, r: r}
}

func (c *raw) say(n uint64, text string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	said, err := codec.Call[chat.SayRequest, chat.SayReply](ctx, c.r, chat.KindSay, chat.SayRequest{N: n, Text: text})
	require.NoError(c.t, err)
	return said.Seq
}

// TestServerChecks: the server checks what a client other than
// chat.Client may send, and answers with words for a person.
func TestServerChecks(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, srv.url(), nil)
	require.NoError(t, err)
	r := codec.NewRouter(c, &codec.RouterOptions{OnError: func(context.Context, error) {}}) // the room's events: not read here
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(context.Background()) }()
	defer func() { _ = c.CloseNow(); <-done }()

	_, err = codec.Call[chat.SayRequest, chat.SayReply](ctx, r, chat.KindSay, chat.SayRequest{N: 1, Text: "hi"})
	requireRemote(t, err, chat.CodeNotJoined, "join a room first")
	_, err = codec.Call[chat.JoinRequest, chat.JoinReply](ctx, r, chat.KindJoin, chat.JoinRequest{Room: "lobby", Name: strings.Repeat("n", 25), Client: "x"})
	requireRemote(t, err, chat.CodeBadName, "the name is too long: 25 characters, at most 24")
	_, err = codec.Call[chat.JoinRequest, chat.JoinReply](ctx, r, chat.KindJoin, chat.JoinRequest{Room: "lobby", Name: "ann", Client: "x"})
	require.NoError(t, err)
	_, err = codec.Call[chat.SayRequest, chat.SayReply](ctx, r, chat.KindSay, chat.SayRequest{N: 1, Text: strings.Repeat("x", chat.MaxText+1)})
	requireRemote(t, err, chat.CodeBadText, "the message is too long: 2001 characters, at most 2000")
}

func requireRemote(t *testing.T, err error, code, msg string) {
	t.Helper()
	re, ok := errors.AsType[*codec.RemoteError](err)
	require.True(t, ok, "a *codec.RemoteError: %v", err)
	assert.Equal(t, code, re.Code)
	assert.Equal(t, msg, re.Message)
}

// fakeServer speaks the chat protocol for one room, and answers "say" as
// the test wants: a server whose behaviour the real one only shows by
// chance.
type fakeServer struct {
	epoch string
	// said is called for each SayRequest, with the event it made; it
	// returns whether to answer the call.
	said func(chat.SayRequest) bool

	mu    sync.Mutex
	seq   uint64
	says  []chat.SayRequest
	conns []*wsserver.Conn
	gone  chan struct{} // closed by drop
}

// drop cuts every connection, as a server that goes does.
func (f *fakeServer) drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.gone)
	for _, c := range f.conns {
		_ = c.CloseNow()
	}
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := wsserver.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	f.mu.Lock()
	f.conns = append(f.conns, ws)
	f.mu.Unlock()
	rt := codec.NewRouter(ws, &codec.RouterOptions{OnError: func(context.Context, error) {}})
	var tag string
	codec.HandleCall(rt, chat.KindJoin, func(_ context.Context, j chat.JoinRequest) (chat.JoinReply, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		tag = chat.Tag(j.Client)
		return chat.JoinReply{Epoch: f.epoch, Members: []string{j.Name}, Seq: f.seq}, nil
	})
	codec.HandleCall(rt, chat.KindSay, func(ctx context.Context, m chat.SayRequest) (chat.SayReply, error) {
		f.mu.Lock()
		f.seq++
		f.says = append(f.says, m)
		e := chat.Event{Seq: f.seq, Epoch: f.epoch, Time: time.Now(), Kind: chat.EventMessage, Name: "ann", Text: m.Text, From: tag, N: m.N}
		f.mu.Unlock()
		if err := codec.NewKind[chat.Event](chat.KindEvent).Send(ctx, rt, e); err != nil {
			return chat.SayReply{}, err
		}
		if !f.said(m) {
			<-f.gone // no answer: the server goes first
			return chat.SayReply{}, errors.New("gone")
		}
		return chat.SayReply{Seq: e.Seq}, nil
	})
	_ = rt.Run(r.Context())
}

// TestShownBeforeAnswered: the server shows a message to the room, and
// goes before it answers the call; the server that comes after it has
// lost everything (a new epoch). The message is not sent to it again:
// the client saw its event, so the room had it. (Before the event said
// whose message it was, the client sent it again and it showed twice,
// once in each history.)
func TestShownBeforeAnswered(t *testing.T) {
	t.Parallel()
	first := &fakeServer{epoch: "first", said: func(chat.SayRequest) bool { return false }, gone: make(chan struct{})}
	second := &fakeServer{epoch: "second", said: func(chat.SayRequest) bool { return true }, gone: make(chan struct{})}
	var current atomic.Pointer[fakeServer]
	current.Store(first)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) }))
	defer hs.Close()

	ann := join(t, "ws"+strings.TrimPrefix(hs.URL, "http")+"/chat", "ann")
	waitView(t, ann, "ann connects", connected)
	require.NoError(t, ann.Say("one"))
	v := waitView(t, ann, "the room shows it, unanswered", func(v chat.View) bool { return len(messages(v.Log)) == 1 && len(v.Pending) == 0 })
	assert.Equal(t, []string{"ann: one"}, messages(v.Log))

	current.Store(second)
	first.drop() // the first server goes
	waitView(t, ann, "ann joins the second", func(v chat.View) bool {
		return v.Status.State == status.Connected && len(v.Log) > len(messages(v.Log)) // its note
	})
	require.NoError(t, ann.Say("two"))
	v = waitView(t, ann, "two is shown", func(v chat.View) bool { return len(messages(v.Log)) == 2 && len(v.Pending) == 0 })
	assert.Equal(t, []string{"ann: one", "ann: two"}, messages(v.Log))
	second.mu.Lock()
	defer second.mu.Unlock()
	require.Len(t, second.says, 1, "the second server got only two: %+v", second.says)
	assert.Equal(t, "two", second.says[0].Text)
}
