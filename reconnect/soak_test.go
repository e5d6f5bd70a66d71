package reconnect_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/reconnect"
)

// The soak drives a Conn through many forced drops while writers send
// numbered messages through it, and checks that the queue loses,
// duplicates and reorders none of them. `make soak` runs it in full
// (-soak); `make test` runs a shorter one natively and in Chrome.
var soakFull = flag.Bool("soak", false, "run the full soak: 1,000 drops, 10,000 messages")

const (
	soakWriters = 4
	// soakDropAfter is where the server cuts a connection by itself: after
	// it has read that many messages on it.
	soakDropAfter = 12
)

// soakServer is the server side of the soak: natively one of this test's
// own, which records what it reads per writer; in the browser the
// harness, which counts what it reads.
type soakServer interface {
	// url is what the Conn dials.
	url() string
	// kick ends the open connection: with a close frame with code, or, when
	// code is 0, by cutting TCP. It returns how many connections it ended.
	kick(code int) int
	// open returns how many connections the server has open.
	open() int
	// received returns how many messages the server has read, and, when it
	// can tell, the sequence numbers of each writer's messages in the order
	// it read them (nil in the browser).
	received() (total int64, perWriter [][]int)
	// closedClean returns how many messages the server read on the
	// connection the Conn's Close closed (its close frame with reason
	// soakDone came), and whether there was one.
	closedClean() (read int64, ok bool)
}

// soakDone is the reason of the soak's Close, and soakTail the message
// written soakTails times just before it, so that the connection it
// closes carries some (fewer than soakDropAfter, or the server cuts it).
const (
	soakDone  = "soak done"
	soakTail  = "tail"
	soakTails = soakDropAfter / 2
)

// soakMsg names a soak message: its writer and sequence number.
type soakMsg struct{ w, seq int }

// soakSeq parses a soak message, "w<writer> <seq>".
func soakSeq(p []byte) (w, seq int, ok bool) {
	s, ok := strings.CutPrefix(string(p), "w")
	if !ok {
		return 0, 0, false
	}
	ws, ss, ok := strings.Cut(s, " ")
	if !ok {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(ws)
	seq, err2 := strconv.Atoi(ss)
	return w, seq, err1 == nil && err2 == nil
}

// soakProgress is what the writers and the dropper wait for of each
// other.
type soakProgress struct {
	mu      sync.Mutex
	kicks   int   // kicks issued
	written []int // per writer: phases written
	conns   int   // Connected events
	lost    int   // connections lost (OnDisconnect)
	wake    chan struct{}
}

func (g *soakProgress) update(fn func()) {
	g.mu.Lock()
	fn()
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

// wait waits until cond holds (read under g.mu) or ctx ends.
func (g *soakProgress) wait(ctx context.Context, cond func() bool) bool {
	for {
		g.mu.Lock()
		ok, wake := cond(), g.wake
		g.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return false
		}
	}
}

// TestSoak: drops at random moments while 4 writers send numbered
// messages through the Conn. Every message Write accepted is handed to a
// connection exactly once, in its writer's order; the server reads none
// twice and none out of order. Messages handed to a connection that died
// before the server read them ("in flight") are counted, not failures:
// no Write can know whether they arrived. But a connection that was not
// lost, the one Close closes, loses none: the server reads every message
// handed to it.
func TestSoak(t *testing.T) {
	drops, messages := 200, 2000
	if *soakFull {
		drops, messages = 1000, 10000
	}
	each := messages / soakWriters
	srv := newSoakServer(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// What the Conn handed to its connections, per writer, in order, and
	// per connection (by the channel closed when it is lost).
	var handedMu sync.Mutex
	handed := make([][]int, soakWriters)
	handedOn := map[<-chan struct{}][]soakMsg{}
	var fromQueue int
	g := &soakProgress{written: make([]int, soakWriters), wake: make(chan struct{})}
	o := &reconnect.Options{
		Backoff:       reconnect.Exponential{Initial: time.Millisecond, Max: 5 * time.Millisecond},
		RestartWindow: 5 * time.Millisecond, // the closes with 1001 and 1012
		StableAfter:   20 * time.Millisecond,
		OnState: func(e reconnect.Event) {
			if e.State == reconnect.Connected {
				g.update(func() { g.conns++ })
			}
		},
	}
	reconnect.SetHooks(o, &reconnect.Hooks{Sent: func(p []byte, queued bool, lost <-chan struct{}) {
		handedMu.Lock()
		defer handedMu.Unlock()
		if w, seq, ok := soakSeq(p); ok {
			handed[w] = append(handed[w], seq)
			handedOn[lost] = append(handedOn[lost], soakMsg{w, seq})
			if queued {
				fromQueue++
			}
		} else if string(p) == soakTail {
			handedOn[lost] = append(handedOn[lost], soakMsg{-1, len(handedOn[lost])})
		}
	}})
	c, err := reconnect.Dial(ctx, srv.url(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBounded(t, c)
	stop := c.OnDisconnect(func(error) { g.update(func() { g.lost++ }) })
	defer stop()
	// stuck ends the test with what the Conn and the soak were doing.
	stuck := func(what string) {
		g.mu.Lock()
		state := "kicks " + strconv.Itoa(g.kicks) + ", connections " + strconv.Itoa(g.conns) + ", lost " + strconv.Itoa(g.lost) + ", written " + fmt.Sprint(g.written)
		g.mu.Unlock()
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%s: %v; Conn %v, %d queued; %s\n\n%s", what, ctx.Err(), c.State(), reconnect.QueueLen(c), state, buf)
	}

	// The reader: the echoes, per writer, in order, until Close.
	echoed := make([][]int, soakWriters)
	readDone := make(chan error, 1)
	go func() {
		for {
			_, p, err := c.Read(ctx)
			if err != nil {
				readDone <- err
				return
			}
			if w, seq, ok := soakSeq(p); ok {
				echoed[w] = append(echoed[w], seq)
			}
		}
	}()

	// The writers: phase p, writer w sends its share of the messages once
	// kick p-1 is issued, each after a random pause, so that writes race
	// the drops.
	maxPause := 4 * time.Millisecond
	var wg sync.WaitGroup
	writeErrs := make(chan error, soakWriters)
	for w := range soakWriters {
		wg.Go(func() {
			for p := range drops {
				if !g.wait(ctx, func() bool { return g.kicks >= p }) {
					writeErrs <- ctx.Err()
					return
				}
				for seq := p * each / drops; seq < (p+1)*each/drops; seq++ {
					// At a random moment: on the dying connection, while
					// there is none, or on the next one.
					time.Sleep(rand.N(maxPause))
					msg := []byte("w" + strconv.Itoa(w) + " " + strconv.Itoa(seq))
					for {
						err := c.Write(ctx, client.MessageText, msg)
						if errors.Is(err, reconnect.ErrSendQueueFull) {
							time.Sleep(time.Millisecond) // not accepted: try again
							continue
						}
						if err != nil {
							writeErrs <- errors.New("write " + string(msg) + ": " + err.Error())
							return
						}
						break
					}
				}
				g.update(func() { g.written[w] = p + 1 })
			}
		})
	}

	// The dropper: after each phase is written, a random pause, then a
	// kick of the open connection: a TCP cut, or a close frame with a code
	// that is not final.
	codes := []int{0, 0, 1000, 1001, 1011, 1012, 4000}
	kicked := 0     // Connected events seen at the last kick
	lostBefore := 0 // connections lost before the last kick
	var cuts, closes int
	for p := range drops {
		if !g.wait(ctx, func() bool { return slices.Min(g.written) >= p+1 }) {
			stuck("phase " + strconv.Itoa(p) + ": the writers did not write it")
		}
		if !g.wait(ctx, func() bool { return g.conns > kicked }) {
			stuck("phase " + strconv.Itoa(p) + ": no new connection")
		}
		time.Sleep(rand.N(maxPause)) // the random moment of the drop
		g.mu.Lock()
		kicked = g.conns
		g.mu.Unlock()
		// The server may have dropped it first, or not yet know of the next
		// one: kick until a connection is there to kick.
		code := codes[rand.N(len(codes))]
		for {
			g.mu.Lock()
			lostBefore = g.lost
			g.mu.Unlock()
			if srv.kick(code) > 0 {
				break
			}
			if ctx.Err() != nil {
				stuck("phase " + strconv.Itoa(p) + ": nothing to kick")
			}
			time.Sleep(100 * time.Microsecond)
		}
		if code == 0 {
			cuts++
		} else {
			closes++
		}
		g.update(func() { g.kicks++ })
	}
	wg.Wait()
	close(writeErrs)
	for err := range writeErrs {
		t.Fatal(err)
	}
	// The connection the last kick ended is going: wait until it is lost
	// (its Connected event, if it had one, came before), and for the
	// next, which the rest goes to and Close closes.
	if !g.wait(ctx, func() bool { return g.lost > lostBefore }) {
		stuck("the last kick's connection was not lost")
	}
	g.mu.Lock()
	kicked = g.conns
	g.mu.Unlock()
	if !g.wait(ctx, func() bool { return g.conns > kicked }) {
		stuck("no connection after the last kick")
	}

	// Every accepted message has now been handed to a connection or is
	// still queued: wait until the queue is empty, write the tail, and
	// wait again.
	deadline := time.Now().Add(time.Minute)
	for tail := false; ; tail = true {
		for reconnect.QueueLen(c) > 0 {
			if time.Now().After(deadline) {
				stuck("the queue was not sent")
			}
			time.Sleep(time.Millisecond)
		}
		if tail {
			break
		}
		for range soakTails {
			if err := c.Write(ctx, client.MessageText, []byte(soakTail)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Then close: the close frame follows the last message on the last
	// connection. Once the server has no connection open, it has read all
	// it ever will.
	closeErr := c.Close(client.StatusNormalClosure, soakDone)
	if errors.Is(closeErr, reconnect.ErrUnsent) {
		t.Fatal(closeErr)
	}
	if err := <-readDone; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read: %v", err)
	}
	for srv.open() > 0 {
		if time.Now().After(deadline) {
			stuck("the server still has a connection open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	g.mu.Lock()
	lost := g.lost
	g.mu.Unlock()
	serverRead, serverSeqs := srv.received()

	// Count.
	var r soakReport
	r.drops, r.cuts, r.closes, r.messages, r.elapsed = lost, cuts, closes, messages, elapsed
	handedMu.Lock()
	r.fromQueue = fromQueue
	var handedTotal int
	for w := range soakWriters {
		r.check("handed to a connection", w, each, handed[w], true)
		handedTotal += len(handed[w])
		r.check("echoed", w, each, echoed[w], false)
		r.echoMissing += each - len(echoed[w])
		if serverSeqs != nil {
			r.check("read by the server", w, each, serverSeqs[w], false)
			r.inFlight += len(handed[w]) - len(serverSeqs[w])
		}
	}
	if serverSeqs == nil {
		// The harness counts what it read.
		r.inFlight = handedTotal - int(serverRead)
		if r.inFlight < 0 {
			r.duplicated += -r.inFlight
			r.notes = append(r.notes, "the server read "+strconv.Itoa(-r.inFlight)+" more messages than were handed to it")
			r.inFlight = 0
		}
	}
	// The connection that was not lost: Close closed it, and when the
	// server read its close frame (and had not ended it first), it read
	// every message handed to it, which all came before that frame.
	var open [][]soakMsg
	for lost, msgs := range handedOn {
		select {
		case <-lost:
		default:
			open = append(open, msgs)
		}
	}
	if serverSeqs != nil {
		// Natively the server says which messages it read: in flight
		// per lost connection.
		read := make(map[soakMsg]bool)
		for w, seqs := range serverSeqs {
			for _, seq := range seqs {
				read[soakMsg{w, seq}] = true
			}
		}
		for lost, msgs := range handedOn {
			select {
			case <-lost:
			default:
				continue
			}
			n := 0
			for _, m := range msgs {
				if m.w >= 0 && !read[m] {
					n++
				}
			}
			r.maxInFlight = max(r.maxInFlight, n)
		}
	}
	switch {
	case len(open) > 1:
		r.notes = append(r.notes, strconv.Itoa(len(open))+" connections were handed messages and never lost; want 1 at most, the last")
	case len(open) == 1:
		r.lastHanded = len(open[0])
		read, ok := srv.closedClean()
		if !ok {
			// The server ended it as Close began (a kick, or its own cut
			// after soakDropAfter messages): nothing to check.
			if closeErr == nil {
				r.notes = append(r.notes, "Close returned nil, but the server saw no close frame with "+strconv.Quote(soakDone))
			}
			break
		}
		r.lastChecked, r.lastRead = true, int(read)
		if r.lastRead != r.lastHanded {
			r.lost += r.lastHanded - r.lastRead
			r.notes = append(r.notes, "the connection Close closed was handed "+strconv.Itoa(r.lastHanded)+" messages, and the server read "+strconv.Itoa(r.lastRead)+" on it")
		}
		if serverSeqs != nil {
			read := make(map[soakMsg]bool)
			for w, seqs := range serverSeqs {
				for _, seq := range seqs {
					read[soakMsg{w, seq}] = true
				}
			}
			for _, m := range open[0] {
				if m.w >= 0 && !read[m] {
					r.notes = append(r.notes, "writer "+strconv.Itoa(m.w)+": message "+strconv.Itoa(m.seq)+" was handed to the connection Close closed, and the server never read it")
				}
			}
		}
	}
	handedMu.Unlock()
	t.Log(r.summary())
	for _, n := range r.notes {
		t.Error(n)
	}
	if r.lost+r.duplicated+r.reordered > 0 {
		t.Errorf("the queue lost %d, duplicated %d and reordered %d messages", r.lost, r.duplicated, r.reordered)
	}
	if lost < drops {
		t.Errorf("%d connections lost; want at least %d", lost, drops)
	}
}

// soakReport counts what the soak found.
type soakReport struct {
	drops        int // connections lost
	cuts, closes int // of them: kicked with a TCP cut, and with a close frame
	messages     int
	elapsed      time.Duration
	fromQueue    int // messages handed from the queue
	lost         int // accepted by Write, never handed: the queue lost them
	duplicated   int // handed, read or echoed twice
	reordered    int // out of their writer's order
	inFlight     int // handed to a connection that died before the server read them
	echoMissing  int // no echo came back (lost in flight either way)
	maxInFlight  int // natively: the most in flight at one drop
	// The connection Close closed: messages handed to it, and read on it
	// by the server, when lastChecked (the server read its close frame).
	lastHanded, lastRead int
	lastChecked          bool
	notes                []string
}

// check checks one writer's sequence numbers as seen at one place. At
// the place where the Conn hands messages to its connections, every one
// of 0..each-1 must be there (complete); elsewhere some may be missing,
// lost in flight.
func (r *soakReport) check(where string, w, each int, seqs []int, complete bool) {
	seen := make([]bool, each)
	last := -1
	for _, s := range seqs {
		if s < 0 || s >= each {
			r.notes = append(r.notes, where+": writer "+strconv.Itoa(w)+": message "+strconv.Itoa(s)+", which it never wrote")
			continue
		}
		if seen[s] {
			r.duplicated++
			r.notes = append(r.notes, where+": writer "+strconv.Itoa(w)+": message "+strconv.Itoa(s)+" twice")
			continue
		}
		seen[s] = true
		if s < last {
			r.reordered++
			r.notes = append(r.notes, where+": writer "+strconv.Itoa(w)+": message "+strconv.Itoa(s)+" after "+strconv.Itoa(last))
		}
		last = max(last, s)
	}
	if complete {
		for s, ok := range seen {
			if !ok {
				r.lost++
				r.notes = append(r.notes, "writer "+strconv.Itoa(w)+": message "+strconv.Itoa(s)+" was accepted by Write and never "+where)
			}
		}
	}
}

func (r *soakReport) summary() string {
	return "soak: " + strconv.Itoa(r.drops) + " connections lost (" + strconv.Itoa(r.cuts) + " TCP cuts, " +
		strconv.Itoa(r.closes) + " close frames, " + strconv.Itoa(r.drops-r.cuts-r.closes) + " cut by the server after " +
		strconv.Itoa(soakDropAfter) + " messages), " + strconv.Itoa(r.messages) + " messages from " +
		strconv.Itoa(soakWriters) + " writers (" + strconv.Itoa(r.fromQueue) + " sent from the queue): " +
		strconv.Itoa(r.lost) + " lost from the queue, " + strconv.Itoa(r.duplicated) + " duplicated, " +
		strconv.Itoa(r.reordered) + " reordered; " + strconv.Itoa(r.inFlight) + " in flight at a drop (handed to a connection that died before the server read them" + r.maxSummary() + "), " +
		strconv.Itoa(r.echoMissing) + " echoes missing; " + r.lastSummary() + "; " + r.elapsed.Round(time.Millisecond).String()
}

func (r *soakReport) maxSummary() string {
	if r.maxInFlight == 0 {
		return ""
	}
	return "; at most " + strconv.Itoa(r.maxInFlight) + " at one drop"
}

func (r *soakReport) lastSummary() string {
	if !r.lastChecked {
		return "the last connection not checked (the server ended it as Close began)"
	}
	return "the last connection (closed by Close): " + strconv.Itoa(r.lastHanded) + " handed, " + strconv.Itoa(r.lastRead) + " read by the server"
}
