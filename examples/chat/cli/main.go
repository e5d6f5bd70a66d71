//go:build !js

// Command cli is the chat demo in a terminal, on the same client package
// as the page (package chat): each line typed is a message; the room's
// log, its members and the connection's status are printed as they
// change. Lines typed while disconnected are sent once the connection is
// back.
//
//	go -C examples run ./chat/cli -name ann -room lobby
//
// Commands: /members lists who is in the room, /quit (or end of input)
// leaves.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/duplex-go/duplex/examples/chat"
	"github.com/duplex-go/duplex/examples/internal/status"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080/chat/chat", "the chat server's WebSocket `URL` (`make demo` serves it)")
	name := flag.String("name", "", "your `name` in the room: 1 to 24 characters")
	room := flag.String("room", "lobby", "the `room` to join")
	flag.Parse()

	c, err := chat.Join(*url, chat.Options{Name: *name, Room: *room})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // "chat: the name is empty"
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "chat: joining %s as %s at %s; /quit leaves\n", *room, *name, *url)

	lines := make(chan string)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(nil, 64<<10)
		for in.Scan() {
			lines <- in.Text()
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)

	t := terminal{c: c}
	for {
		select {
		case <-c.Changed():
			if !t.show() {
				_ = c.Close()
				os.Exit(1)
			}
		case line, ok := <-lines:
			if !ok || line == "/quit" {
				t.leave()
				return
			}
			t.input(line)
		case <-stop:
			t.leave()
			return
		}
	}
}

// terminal is what the CLI has printed of the client's View.
type terminal struct {
	c       *chat.Client
	shown   int           // the entries of the log printed
	missed  bool          // the last one printed was missed
	status  status.Status // the status printed
	refused map[uint64]bool
}

// show prints what changed in the View; it reports false if the client
// has ended.
func (t *terminal) show() bool {
	v := t.c.View()
	for _, e := range v.Log[t.shown:] {
		if e.Missed && !t.missed {
			fmt.Println("-- while you were disconnected:")
		}
		t.missed = e.Missed
		fmt.Println(e.String())
	}
	t.shown = len(v.Log)
	for _, p := range v.Pending {
		if p.Err != nil && !t.refused[p.N] {
			if t.refused == nil {
				t.refused = map[uint64]bool{}
			}
			t.refused[p.N] = true
			fmt.Fprintf(os.Stderr, "chat: not sent: %q: %s\n", p.Text, status.Explain(p.Err))
		}
	}
	s := v.Status
	// Each redial is announced by its wait ("reconnecting in 2 s,
	// attempt 3"): the dial that follows is not printed.
	redial := s.State == status.Connecting && s.Attempt > 0
	if !redial && (s.State != t.status.State || s.Attempt != t.status.Attempt) {
		t.status = s
		fmt.Fprintln(os.Stderr, "chat: "+s.Text(time.Now()))
		if s.State == status.Connected {
			fmt.Fprintln(os.Stderr, "chat: in "+v.Room+": "+strings.Join(v.Members, ", "))
		}
	}
	return s.State != status.Closed
}

// leave closes the client, saying what it had not sent.
func (t *terminal) leave() {
	if n := len(t.c.View().Pending); n > 0 {
		fmt.Fprintf(os.Stderr, "chat: leaving; %d messages were not sent\n", n)
	}
	_ = t.c.Close()
}

// input acts on a line typed.
func (t *terminal) input(line string) {
	if line == "/members" {
		fmt.Fprintln(os.Stderr, "chat: in the room: "+strings.Join(t.c.View().Members, ", "))
		return
	}
	if strings.TrimSpace(line) == "" {
		return
	}
	if err := t.c.Say(line); err != nil {
		fmt.Fprintln(os.Stderr, "chat: not sent: "+status.Explain(err))
		return
	}
	if st := t.c.View().Status.State; st != status.Connected {
		fmt.Fprintln(os.Stderr, "chat: pending: sent once connected")
	}
}
