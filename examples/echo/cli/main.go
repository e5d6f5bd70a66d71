//go:build !js

// Command cli is the echo demo in a terminal, on the same client package
// as the page (package echo): each line typed is sent as text and its
// echo printed; -file sends a file as one binary message and compares
// its echo byte for byte.
//
//	go -C examples run ./echo/cli
//	go -C examples run ./echo/cli -file ../README.md
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/duplex-go/duplex/examples/echo"
	"github.com/duplex-go/duplex/examples/internal/status"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080/echo/echo", "the echo server's WebSocket `URL` (`make demo` serves it)")
	file := flag.String("file", "", "send this `file` as one binary message and compare its echo, then exit")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for an echo, connecting included")
	flag.Parse()

	c := echo.Dial(*url, nil)
	defer c.Close()
	go func() { // the connection's status, as it changes
		var last status.Status
		for range c.Changed() {
			s := c.Status()
			if s.State != last.State && !(s.State == status.Connecting && s.Attempt > 0) {
				fmt.Fprintln(os.Stderr, "echo: "+s.Text(time.Now()))
			}
			last = s
		}
	}()

	if *file != "" {
		data, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo: "+err.Error())
			os.Exit(2)
		}
		if !send(c, *wait, *file, echo.Binary(data)) {
			os.Exit(1)
		}
		return
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		send(c, *wait, "", echo.Text(in.Text()))
	}
}

// send echoes m and says how it went.
func send(c *echo.Client, wait time.Duration, name string, m echo.Message) bool {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	back, err := c.Echo(ctx, m)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "echo: not echoed: %s\n", status.Explain(err))
		return false
	case !m.Binary:
		fmt.Println(back.Text)
	case bytes.Equal(m.Data, back.Data):
		fmt.Printf("%s: %d bytes echoed, identical, in %v\n", name, len(m.Data), back.Took.Round(time.Millisecond))
	default:
		fmt.Printf("%s: the echo differs (%d bytes sent, %d back)\n", name, len(m.Data), len(back.Data))
		return false
	}
	return true
}
