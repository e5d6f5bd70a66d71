package reconnect_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/reconnect"
)

// serverURL stands for your server. The examples are compiled, not run:
// they would need one.
var serverURL = "wss://example.com/ws"

func ExampleDial() {
	ctx := context.Background()
	c, err := reconnect.Dial(ctx, serverURL, &reconnect.Options{
		Dial:    client.Options{Subprotocols: []string{"chat.v1"}},
		Backoff: reconnect.Exponential{Initial: time.Second, Max: time.Minute},
		OnState: func(e reconnect.Event) {
			if e.State == reconnect.Waiting {
				log.Printf("connection lost (%v); redialling in %v", e.Err, e.Delay)
			}
		},
	})
	if err != nil {
		log.Fatal(err) // a final failure, such as HTTP 403
	}
	defer c.CloseNow()

	// Writes made while redialling are queued and sent in order.
	_ = c.Write(ctx, client.MessageText, []byte(`{"subscribe":"news"}`))
	for {
		_, p, err := c.Read(ctx) // goes on across redials
		if errors.Is(err, reconnect.ErrGaveUp) {
			log.Fatal(err)
		}
		if err != nil {
			return
		}
		log.Printf("%s", p)
	}
}

// New returns at once, whether or not the server can be reached: a page
// that starts offline has a Conn to write to all the same. What is
// written before the first connection waits in the send queue; OnState
// says when the Conn connects, or why it waits.
func ExampleNew() {
	c, err := reconnect.New(serverURL, &reconnect.Options{
		OnState: func(e reconnect.Event) {
			if e.State == reconnect.Waiting {
				log.Printf("not connected (%v): next try in %v", e.Err, e.Delay)
			}
		},
	})
	if err != nil {
		log.Fatal(err) // Options that cannot work
	}
	defer c.CloseNow()

	ctx := context.Background()
	_ = c.Write(ctx, client.MessageText, []byte(`{"subscribe":"news"}`)) // queued until connected
	_, p, err := c.Read(ctx)                                             // waits for the first connection
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%s", p)
}

// OnState hears each change of state, in order: here for a status line
// that says why the Conn waits, for how long, and whether the browser is
// offline. It runs on the Conn's own goroutine and must not block.
func ExampleOptions_onState() {
	c, err := reconnect.Dial(context.Background(), serverURL, &reconnect.Options{
		GiveUpAfter: 10,
		OnState: func(e reconnect.Event) {
			switch {
			case e.State == reconnect.Connected:
				log.Print("connected")
			case e.State == reconnect.Waiting && e.Offline:
				log.Print("offline: waiting for the network")
			case e.State == reconnect.Waiting:
				log.Printf("failure %d (%v): next try in %v", e.Failures, e.Err, e.Delay)
			case e.State == reconnect.Closed && e.Err != nil:
				log.Printf("gave up: %v", e.Err)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
}

// A server that does not answer for a minute is dead, whatever TCP says;
// ping it after 20 s of silence, and give it 10 s to answer.
func ExampleHeartbeat() {
	c, err := reconnect.Dial(context.Background(), serverURL, &reconnect.Options{
		Heartbeat: &reconnect.Heartbeat{
			Interval: 20 * time.Second,
			Timeout:  10 * time.Second,
			Ping:     func() (client.MessageType, []byte) { return client.MessageText, []byte(`{"type":"ping"}`) },
			IsPong: func(_ client.MessageType, p []byte) bool {
				return string(p) == `{"type":"pong"}`
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
}

// OnConnect runs first on every new connection: a place to log in and to
// subscribe again.
func ExampleOptions_onConnect() {
	token := []byte(`{"token":"…"}`)
	c, err := reconnect.Dial(context.Background(), serverURL, &reconnect.Options{
		OnConnect: func(ctx context.Context, cc *client.Conn) error {
			if err := cc.Write(ctx, client.MessageText, token); err != nil {
				return err
			}
			_, p, err := cc.Read(ctx) // the server's answer, not left for Read
			if err != nil {
				return err
			}
			if string(p) != `{"ok":true}` {
				return fmt.Errorf("%w: %s", errLoginRefused, p)
			}
			return nil
		},
		// A refused login is final; the rest is retried.
		Final: func(err error) bool {
			return reconnect.DefaultFinal(err) || errors.Is(err, errLoginRefused)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
}

var errLoginRefused = errors.New("login refused")

// A page can present a credential only in the URL (or in a first
// message): Endpoint is asked before every dial, so that a redial hours
// later presents a fresh token, not the one of the first dial.
func ExampleOptions_endpoint() {
	c, err := reconnect.Dial(context.Background(), serverURL, &reconnect.Options{
		Endpoint: func(ctx context.Context) (string, *client.Options, error) {
			token, err := fetchToken(ctx)
			if errors.Is(err, errSignedOut) {
				return "", nil, reconnect.Permanent(err) // no retry mends it
			}
			if err != nil {
				return "", nil, err // counted as a failed dial, and retried
			}
			return serverURL + "?token=" + url.QueryEscape(token), nil, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()
}

// fetchToken stands for the program's own way to get a token, such as a
// request to its server.
func fetchToken(ctx context.Context) (string, error) { return "t0k3n", ctx.Err() }

var errSignedOut = errors.New("signed out")

// A program that hears of state changes on a channel closes that channel
// only once Done is closed: Close returns without waiting for a callback
// that is running as it is called (a callback may call Close itself), so
// OnState may still send after Close has returned, up to OnState(Closed).
func ExampleConn_Done() {
	events := make(chan reconnect.Event, 16)
	c, err := reconnect.Dial(context.Background(), serverURL, &reconnect.Options{
		OnState: func(e reconnect.Event) {
			select {
			case events <- e:
			default: // the program is behind: drop it rather than hold the Conn
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for e := range events {
			log.Printf("state: %v", e.State)
		}
	}()

	// ... use c ...

	_ = c.Close(client.StatusNormalClosure, "")
	<-c.Done()    // OnState has returned for the last time
	close(events) // so no send on a closed channel
	<-logged
}
