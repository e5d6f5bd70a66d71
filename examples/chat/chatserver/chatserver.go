//go:build !js

// Package chatserver is the chat demo's server: rooms, their members and
// their history, behind a WebSocket that speaks package chat's protocol
// with codec's Router, on the server side through codec/wsserver. The
// client and the server share chat's types.
//
//	s := chatserver.New()
//	http.ListenAndServe("127.0.0.1:8080", s.Handler(ctx, "bin/demo/chat"))
package chatserver

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/wsserver"
	"github.com/duplex-go/duplex/examples/chat"
	"github.com/duplex-go/duplex/wasmserve"
)

// Server holds the rooms. Its history lives as long as it does: a Server
// given to a new Handler after the old one's ctx ended (a restart that
// keeps its state) answers rejoins with what they missed; a new Server
// has a new epoch, and clients start their history again.
type Server struct {
	epoch string
	pings atomic.Int64

	mu    sync.Mutex
	rooms map[string]*room
}

// New returns a Server with no rooms.
func New() *Server {
	return &Server{epoch: rand.Text()[:8], rooms: map[string]*room{}}
}

// Pings returns how many heartbeat calls (chat.KindPing) the server has
// answered.
func (s *Server) Pings() int64 { return s.pings.Load() }

// Handler serves the page's files from dir and the chat's WebSocket at
// /chat. When ctx ends, its connections close with 1001 (going away),
// which clients take as a reason to dial again.
func (s *Server) Handler(ctx context.Context, dir string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", wasmserve.Handler(os.DirFS(dir))) // the wasm gzipped
	mux.HandleFunc("GET /chat", func(w http.ResponseWriter, r *http.Request) {
		ws, err := wsserver.Accept(w, r, nil)
		if err != nil {
			return // Accept wrote the HTTP error
		}
		s.serve(ctx, ws)
	})
	return mux
}

var event = codec.NewKind[chat.Event](chat.KindEvent)

// room is one room; the Server's mu guards it.
type room struct {
	name    string
	epoch   string
	seq     uint64
	events  []chat.Event // the last chat.HistoryLimit
	members []*conn      // in the order they joined
	said    map[string]said
}

// said is the last message a client sent: Say with an N up to n is
// answered with seq, not taken again.
type said struct{ n, seq uint64 }

// conn is one client's connection.
type conn struct {
	s      *Server
	ws     *wsserver.Conn
	router *codec.Router
	out    chan chat.Event // the events to push, in order

	kickOnce sync.Once
	kicked   chan struct{} // closed by kick, once code and reason are set
	code     client.StatusCode
	reason   string

	// Under s.mu, set by join.
	room              *room
	name, client, tag string // tag: chat.Tag(client)
}

// outLimit is how many events may wait for a slow client before it is
// disconnected (and dials again, and gets them with its join).
const outLimit = 256

func (s *Server) serve(ctx context.Context, ws *wsserver.Conn) {
	defer ws.CloseNow()
	c := &conn{s: s, ws: ws, out: make(chan chat.Event, outLimit), kicked: make(chan struct{})}
	c.router = codec.NewRouter(ws, &codec.RouterOptions{
		OnError: func(context.Context, error) {}, // a bad message is skipped
	})
	codec.HandleCall(c.router, chat.KindJoin, c.join)
	codec.HandleCall(c.router, chat.KindSay, c.say)
	codec.Handle(c.router, chat.KindPing, func(context.Context, struct{}) error { // answered by the Router
		s.pings.Add(1)
		return nil
	})

	// The connection's own context: not ctx, whose end would make
	// coder/websocket cut the connection without a close frame.
	live, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.push(live)
	}()
	stop := context.AfterFunc(ctx, func() { c.kick(client.StatusGoingAway, "server stopping") })
	_ = c.router.Run(live) // until the client goes, or push closes
	stop()
	cancel()
	wg.Wait()
	s.leave(c)
}

// push writes the room's events to the client, in order, until the
// connection ends or it is kicked: then it closes the connection.
func (c *conn) push(ctx context.Context) {
	for {
		select {
		case e := <-c.out:
			if event.Send(ctx, c.router, e) != nil {
				return
			}
		case <-c.kicked:
			_ = c.ws.Close(c.code, c.reason)
			return
		case <-ctx.Done():
			return
		}
	}
}

// kick has push close the connection with code and reason.
func (c *conn) kick(code client.StatusCode, reason string) {
	c.kickOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.kicked)
	})
}

// refuse is a RemoteError with code, and the words of err's Reason (an
// error of package chat's checks: "the name is empty").
func refuse(code string, err error) error {
	msg := err.Error()
	if r, ok := errors.AsType[interface {
		error
		Reason() string
	}](err); ok {
		msg = r.Reason()
	}
	return &codec.RemoteError{Code: code, Message: msg}
}

// join answers chat.KindJoin.
func (c *conn) join(_ context.Context, j chat.JoinRequest) (chat.JoinReply, error) {
	name, err := chat.CheckName(j.Name)
	if err != nil {
		return chat.JoinReply{}, refuse(chat.CodeBadName, err)
	}
	roomName, err := chat.CheckRoom(j.Room)
	if err != nil {
		return chat.JoinReply{}, refuse(chat.CodeBadRoom, err)
	}
	if j.Client == "" || len(j.Client) > 64 {
		return chat.JoinReply{}, &codec.RemoteError{Code: codec.CodeBadRequest, Message: "a join needs a client id of 1 to 64 bytes"}
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.room != nil {
		return chat.JoinReply{}, &codec.RemoteError{Code: codec.CodeBadRequest, Message: "already in room " + c.room.name}
	}
	r := s.rooms[roomName]
	if r == nil {
		r = &room{name: roomName, epoch: s.epoch, said: map[string]said{}}
		s.rooms[roomName] = r
	}
	var old *conn
	for i, m := range r.members {
		switch {
		case m.client == j.Client:
			old = m
			r.members = append(r.members[:i:i], r.members[i+1:]...)
		case m.name == name:
			return chat.JoinReply{}, &codec.RemoteError{Code: chat.CodeNameTaken, Message: "the name " + strconv.Quote(name) + " is taken in room " + roomName}
		}
	}
	c.room, c.name, c.client, c.tag = r, name, j.Client, chat.Tag(j.Client)
	r.members = append(r.members, c)
	switch {
	case old == nil:
		r.post(chat.Event{Kind: chat.EventJoin, Name: name})
	case old.name != name:
		r.post(chat.Event{Kind: chat.EventLeave, Name: old.name})
		r.post(chat.Event{Kind: chat.EventJoin, Name: name})
	}
	if old != nil {
		// The same client on a new connection: the old one is dead, or
		// about to be.
		old.room = nil
		old.kick(4000, "chat: replaced by a newer connection")
	}
	since := j.Since
	if j.Epoch != s.epoch {
		since = 0
	}
	joined := chat.JoinReply{Epoch: s.epoch, Seq: r.seq}
	for _, e := range r.events {
		if e.Seq > since {
			joined.Events = append(joined.Events, e)
		}
	}
	for _, m := range r.members {
		joined.Members = append(joined.Members, m.name)
	}
	return joined, nil
}

// say answers chat.KindSay.
func (c *conn) say(_ context.Context, m chat.SayRequest) (chat.SayReply, error) {
	text, err := chat.CheckText(m.Text)
	if err != nil {
		return chat.SayReply{}, refuse(chat.CodeBadText, err)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r := c.room
	if r == nil {
		return chat.SayReply{}, &codec.RemoteError{Code: chat.CodeNotJoined, Message: "join a room first"}
	}
	if last, ok := r.said[c.client]; ok && m.N <= last.n {
		if m.N == last.n {
			return chat.SayReply{Seq: last.seq}, nil // sent again: taken already
		}
		return chat.SayReply{}, nil // older still: taken long ago
	}
	e := r.post(chat.Event{Kind: chat.EventMessage, Name: c.name, Text: text, From: c.tag, N: m.N})
	if len(r.said) >= 10000 {
		clear(r.said)
	}
	r.said[c.client] = said{m.N, e.Seq}
	return chat.SayReply{Seq: e.Seq}, nil
}

// leave takes c out of its room, if it is still there.
func (s *Server) leave(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := c.room
	if r == nil {
		return
	}
	for i, m := range r.members {
		if m == c {
			r.members = append(r.members[:i:i], r.members[i+1:]...)
			r.post(chat.Event{Kind: chat.EventLeave, Name: c.name})
			return
		}
	}
}

// post appends an event to the room's history and pushes it to every
// member; the Server's mu is held.
func (r *room) post(e chat.Event) chat.Event {
	r.seq++
	e.Seq, e.Epoch, e.Time = r.seq, r.epoch, time.Now().UTC().Truncate(time.Millisecond)
	r.events = append(r.events, e)
	if len(r.events) > chat.HistoryLimit {
		r.events = append(r.events[:0:0], r.events[len(r.events)-chat.HistoryLimit:]...)
	}
	for _, m := range r.members {
		select {
		case m.out <- e:
		default:
			m.kick(4001, "chat: too slow to keep up, dial again")
		}
	}
	return e
}
