// Package chat is the chat demo's client: it joins a room on a chat
// server (package chatserver), keeps the room's history, its members and
// the connection's status, and sends messages, across lost connections.
// It has no build tag: the page (chat/web, compiled to WebAssembly) and
// the terminal client (chat/cli) are thin layers over the same code.
//
//	c, err := chat.Join("ws://127.0.0.1:8080/chat/chat", chat.Options{Name: "ann", Room: "lobby"})
//	if err != nil { return err } // a bad name or room
//	defer c.Close()
//	err = c.Say("hello")         // pending until the server has it
//	for range c.Changed() { v := c.View(); ... }
//
// The connection is a reconnect.Conn: it dials again when it is lost, and
// on each new connection the client calls "join" (codec.Call) before
// anything else, with the last event it has; the server answers with the
// events it missed and the room's members. Messages go out as calls
// ("say") that the server takes once each, so a message typed while
// disconnected is sent once the connection is back, and shows as pending
// until then. A server that restarts has lost what it took: the client
// notes it ("the server restarted"), and sends the new server the
// messages the old one had not shown; one it had shown (its Event says
// whose message it is: From and N) is not sent again, even if the answer
// to its call never came.
package chat

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/examples/internal/status"
	"github.com/duplex-go/duplex/reconnect"
)

// Options configures Join.
type Options struct {
	// Name is the name to show to the room: 1 to MaxName characters.
	Name string
	// Room is the room to join: 1 to MaxRoom letters, digits, '-', '_'
	// or '.'.
	Room string
	// Backoff says how long to wait before each redial; nil means
	// reconnect.Exponential with a 500 ms start and an 8 s cap.
	Backoff reconnect.Backoff
	// Heartbeat is the silence after which the client asks the server
	// whether it is there (KindPing); a server that says nothing for as
	// long again is taken for dead. 0 means DefaultHeartbeat.
	Heartbeat time.Duration
}

// DefaultHeartbeat is Options.Heartbeat's default: a connection that dies
// without a word is found within twice as long.
const DefaultHeartbeat = 15 * time.Second

// Entry is an event of the room as the client shows it.
type Entry struct {
	Event
	// Missed is set on events that happened while the client was
	// disconnected: they came with the history of a rejoin.
	Missed bool
}

// Pending is a message Say has taken that the room has not yet seen.
type Pending struct {
	// N numbers the client's messages: 1, 2, 3...
	N    uint64
	Text string
	// Time is when Say took it.
	Time time.Time
	// Err is set if the server refused the message: it will not be sent.
	Err error

	seq uint64 // the event the server made of it, once it answered
}

// View is what the client has to show, at one moment.
type View struct {
	Name, Room string
	Status     status.Status
	// Log is the room's events, in the order every member sees them, and
	// the client's own notes. It only grows: a View taken later holds
	// the same entries first, so a program that shows them may show
	// only those after the ones it has. Its entries must not be changed.
	Log []Entry
	// Pending are the messages Say has taken that are not in Log yet,
	// oldest first.
	Pending []Pending
	// Members are the names in the room, in the order they joined.
	Members []string
}

// Client is a member of one room. Its methods are safe for concurrent
// use.
type Client struct {
	url, name, room, id string
	ctx                 context.Context // ends with Close, or when the connection ends for good
	cancel              context.CancelFunc
	wg                  sync.WaitGroup
	changed             chan struct{} // a View changed (Changed)
	grew                chan struct{} // closed, and replaced, when log grows or the client ends (Log); under mu
	wake                chan struct{} // Say has a message for the sender
	ready               chan struct{} // closed once router is set
	router              *codec.Router // the Router on the reconnect.Conn, once it is up
	heartbeat           time.Duration

	mu        sync.Mutex
	status    status.Status
	log       []Entry
	pending   []Pending
	members   []string
	membersAt uint64 // the event members is as of
	epoch     string // the server's, as of the last JoinReply; "" before the first
	next      uint64 // the Seq of the next event to append to log
	early     map[eventKey]Entry
	said      uint64 // the last N given to a message
	tag       string // Tag(id): an Event's From for this client's messages
	inflight  uint64 // the N of the message whose call is under way, and how to end the call
	endCall   context.CancelFunc
	shown     int // len(log) when grew was last closed
}

// eventKey names an event of one run of the server.
type eventKey struct {
	epoch string
	seq   uint64
}

// Join checks the name and the room, and returns a Client that connects
// to the chat server at url (ws:// or wss://, or in a page a URL relative
// to it) and joins the room, in the background: View says how far it has
// got, and Changed when that changes. It goes on dialling (under the
// backoff) until Close, or until the server refuses the name or the room.
func Join(url string, o Options) (*Client, error) {
	name, err := CheckName(o.Name)
	if err != nil {
		return nil, err
	}
	room, err := CheckRoom(o.Room)
	if err != nil {
		return nil, err
	}
	c := &Client{
		url:     url,
		name:    name,
		room:    room,
		id:      strconv.FormatUint(rand.Uint64(), 36),
		changed: make(chan struct{}, 1),
		wake:    make(chan struct{}, 1),
		ready:   make(chan struct{}),
		status:  status.Status{State: status.Connecting},
		next:    1,
		early:   map[eventKey]Entry{},
		grew:    make(chan struct{}),

		heartbeat: o.Heartbeat,
	}
	if c.heartbeat <= 0 {
		c.heartbeat = DefaultHeartbeat
	}
	c.tag = Tag(c.id)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	b := o.Backoff
	if b == nil {
		b = reconnect.Exponential{Initial: 500 * time.Millisecond, Max: 8 * time.Second}
	}
	c.wg.Add(2)
	go c.run(b)
	go c.send()
	return c, nil
}

// run connects, then reads and dispatches until the client ends.
func (c *Client) run(b reconnect.Backoff) {
	defer c.wg.Done()
	defer c.cancel() // the sender stops too
	conn, err := c.dial(b)
	if err != nil {
		return // OnState has said why
	}
	r := c.newRouter(conn)
	c.router = r
	close(c.ready)
	_ = r.Run(c.ctx) // until Close, or the Conn gives up
	if c.ctx.Err() != nil {
		_ = conn.Close(client.StatusNormalClosure, "")
	}
	<-conn.Done()
}

// dial is the client's one use of package reconnect: the Conn, with a
// join on each new connection, and its states told to View.
func (c *Client) dial(b reconnect.Backoff) (*reconnect.Conn, error) {
	return reconnect.Dial(c.ctx, c.url, &reconnect.Options{
		Dial:    client.Options{ReadLimit: ReadLimit},
		Backoff: b,
		Final: func(err error) bool {
			return refused(err) || reconnect.DefaultFinal(err)
		},
		OnConnect: c.join,
		OnState: func(e reconnect.Event) {
			c.mu.Lock()
			c.status = status.FromEvent(e, time.Now())
			c.mu.Unlock()
			c.signal()
		},
		Heartbeat: &reconnect.Heartbeat{
			Interval: c.heartbeat,
			Ping:     func() (client.MessageType, []byte) { return client.MessageText, ping },
			IsPong:   isPong,
		},
	})
}

// ping is the heartbeat's call (KindPing).
var ping = []byte(`{"type":"` + KindPing + `","id":` + strconv.FormatUint(PingID, 10) + `}`)

// isPong reports whether a message is the server's answer to ping: the
// Router never sees it.
func isPong(typ client.MessageType, p []byte) bool {
	if typ != client.MessageText || len(p) > 64 {
		return false
	}
	e, err := codec.JSONFormat{}.ParseEnvelope(p, codec.Limits{}.WithDefaults())
	return err == nil && e.Kind == "" && e.ID == PingID
}

// newRouter returns a Router on mc with the client's handlers.
func (c *Client) newRouter(mc codec.MessageConn) *codec.Router {
	r := codec.NewRouter(mc, &codec.RouterOptions{
		Limits: codec.Limits{MaxSize: ReadLimit},
		// A message that does not decode is skipped: the next join's
		// history brings the event it carried, if it was one.
		OnError: func(context.Context, error) {},
	})
	codec.Handle(r, KindEvent, func(_ context.Context, e Event) error {
		c.mu.Lock()
		c.add(Entry{Event: e})
		c.mu.Unlock()
		c.signal()
		return nil
	})
	return r
}

// join calls KindJoin on a new connection, before anything else is sent
// or read on it. The events the server pushes meanwhile are handled by a
// Router of the connection's own, with the same handlers.
func (c *Client) join(ctx context.Context, cc *client.Conn) error {
	c.mu.Lock()
	req := JoinRequest{Room: c.room, Name: c.name, Client: c.id, Epoch: c.epoch, Since: c.next - 1}
	c.mu.Unlock()
	r := c.newRouter(cc)
	running, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = r.Run(running) // ends with stop: the connection stays open
	}()
	defer func() { stop(); <-ran }()
	j, err := codec.Call[JoinRequest, JoinReply](ctx, r, KindJoin, req)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.joined(j)
	c.mu.Unlock()
	c.signal()
	return nil
}

// joined merges the answer to a join; c.mu is held.
func (c *Client) joined(j JoinReply) {
	rejoin := c.epoch != ""
	if j.Epoch != c.epoch {
		if rejoin {
			c.note("the server restarted: its history starts again")
			// Messages it had taken and not yet shown are gone with it.
			kept := c.pending[:0]
			for _, p := range c.pending {
				if p.seq == 0 {
					kept = append(kept, p)
				}
			}
			c.pending = kept
		}
		c.epoch, c.next = j.Epoch, 1
	}
	for k := range c.early {
		if k.epoch != c.epoch || k.seq < c.next {
			delete(c.early, k)
		}
	}
	if len(j.Events) > 0 && j.Events[0].Seq > c.next {
		if rejoin && c.next > 1 {
			c.note(strconv.FormatUint(j.Events[0].Seq-c.next, 10) + " events happened while disconnected that the server no longer keeps")
		}
		c.next = j.Events[0].Seq
	}
	c.members, c.membersAt = append([]string(nil), j.Members...), j.Seq
	for _, e := range j.Events {
		c.add(Entry{Event: e, Missed: rejoin})
	}
}

// add takes an event from the server and appends what it can to the log,
// in order: an event that comes before the ones it follows waits for
// them (they come with the next join); c.mu is held.
func (c *Client) add(en Entry) {
	k := eventKey{en.Epoch, en.Seq}
	if k.epoch == c.epoch && k.seq < c.next {
		return // already in the log
	}
	if len(c.early) > 4*HistoryLimit {
		clear(c.early) // the next join's history fills the gap
	}
	c.early[k] = en
	for {
		k := eventKey{c.epoch, c.next}
		en, ok := c.early[k]
		if !ok || c.epoch == "" {
			return
		}
		delete(c.early, k)
		c.log = append(c.log, en)
		c.next++
		c.apply(en.Event)
	}
}

// apply updates members and pending for e, just appended to the log;
// c.mu is held.
func (c *Client) apply(e Event) {
	if e.Seq > c.membersAt {
		switch e.Kind {
		case EventJoin:
			c.members = append(c.members, e.Name)
		case EventLeave:
			for i, m := range c.members {
				if m == e.Name {
					c.members = append(c.members[:i:i], c.members[i+1:]...)
					break
				}
			}
		}
	}
	if e.Kind == EventMessage {
		mine := e.From == c.tag
		c.dropPending(func(p *Pending) bool { return p.seq == e.Seq || mine && p.N == e.N })
		if mine && e.N == c.inflight {
			// The room has it before its call was answered: the call
			// ends, so that it is not sent again if the connection is
			// lost before the answer comes (a new server could not know
			// that the old one had it).
			c.endCall()
		}
	}
}

// note appends a line of the client's own to the log; c.mu is held.
func (c *Client) note(text string) {
	c.log = append(c.log, Entry{Event: Event{Time: time.Now(), Kind: EventNote, Text: text}})
}

// signal tells Changed, and Log if the log grew or the client ended.
func (c *Client) signal() {
	c.mu.Lock()
	if c.shown != len(c.log) || c.status.State == status.Closed {
		c.shown = len(c.log)
		close(c.grew)
		c.grew = make(chan struct{})
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Log returns the entries of the room's log, those there already and
// then each new one as it comes, until the client ends or the loop
// stops. It may run beside Changed and other Logs.
//
//	for e := range c.Log() {
//		fmt.Println(e)
//	}
func (c *Client) Log() iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		shown := 0
		for {
			c.mu.Lock()
			log, grew, ended := c.log[shown:len(c.log):len(c.log)], c.grew, c.status.State == status.Closed
			c.mu.Unlock()
			for _, e := range log {
				if !yield(e) {
					return
				}
			}
			shown += len(log)
			if ended {
				return
			}
			<-grew
		}
	}
}

// Changed returns a channel that receives a value after View has changed
// (several changes may come as one).
func (c *Client) Changed() <-chan struct{} { return c.changed }

// View returns what the client has to show now.
func (c *Client) View() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	return View{
		Name:    c.name,
		Room:    c.room,
		Status:  c.status,
		Log:     c.log[:len(c.log):len(c.log)],
		Pending: append([]Pending(nil), c.pending...),
		Members: append([]string(nil), c.members...),
	}
}

// ErrClosed is Say's error once the client has ended.
var ErrClosed = errors.New("chat: the client has ended")

// Say checks text (CheckText) and sends it to the room: at once if the
// client is connected, else once it is. It is Pending in View until the
// room has it, then in the Log. Say never waits for the network.
func (c *Client) Say(text string) error {
	text, err := CheckText(text)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.ctx.Err() != nil || c.status.State == status.Closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.said++
	c.pending = append(c.pending, Pending{N: c.said, Text: text, Time: time.Now()})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	c.signal()
	return nil
}

// send sends the pending messages, in order, one call at a time, so that
// they reach the room in the order they were typed, even when calls are
// sent again after a lost connection.
func (c *Client) send() {
	defer c.wg.Done()
	select {
	case <-c.ready:
	case <-c.ctx.Done():
		return
	}
	for {
		p, ok := c.unsent()
		if !ok {
			select {
			case <-c.wake:
				continue
			case <-c.ctx.Done():
				return
			}
		}
		// Idempotent: after a lost connection the call is sent again,
		// and the server, which takes each N once, answers it again.
		ctx, cancel := context.WithCancel(c.ctx)
		c.mu.Lock()
		c.inflight, c.endCall = p.N, cancel
		c.mu.Unlock()
		said, err := codec.Call[SayRequest, SayReply](ctx, c.router, KindSay, SayRequest{N: p.N, Text: p.Text}, codec.Idempotent())
		c.mu.Lock()
		c.inflight, c.endCall = 0, nil
		cancel()
		switch {
		case err == nil:
			if said.Seq < c.next && c.epoch != "" {
				c.dropPending(func(q *Pending) bool { return q.N == p.N }) // already in the log
			} else {
				c.setPending(p.N, func(q *Pending) { q.seq = said.Seq })
			}
		case errors.As(err, new(*codec.RemoteError)):
			c.setPending(p.N, func(q *Pending) { q.Err = err })
		case c.ctx.Err() == nil && ctx.Err() != nil:
			// Its event came first: apply has dropped it from pending.
		default: // the client has ended
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.signal()
	}
}

// unsent returns the first pending message not yet sent.
func (c *Client) unsent() (Pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.pending {
		if p.seq == 0 && p.Err == nil {
			return p, true
		}
	}
	return Pending{}, false
}

func (c *Client) setPending(n uint64, f func(*Pending)) {
	for i := range c.pending {
		if c.pending[i].N == n {
			f(&c.pending[i])
		}
	}
}

func (c *Client) dropPending(drop func(*Pending) bool) {
	kept := c.pending[:0]
	for i := range c.pending {
		if !drop(&c.pending[i]) {
			kept = append(kept, c.pending[i])
		}
	}
	c.pending = kept
}

// Close leaves the room and closes the connection; the client ends.
func (c *Client) Close() error {
	c.cancel()
	c.wg.Wait()
	return nil
}
