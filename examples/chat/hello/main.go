// Command hello joins the chat demo's lobby, says hello, and prints the
// room's log as it grows. The same file runs natively and, compiled to
// WebAssembly, in a browser (chat/web/hello.html), printing to its console.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/duplex-go/duplex/examples/chat"
)

func main() {
	url := "ws://127.0.0.1:8080/chat/chat" // make demo's chat
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	c, err := chat.Join(url, chat.Options{Name: "gopher on " + runtime.GOOS, Room: "lobby"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Say("hello from " + runtime.GOOS)
	for e := range c.Log() {
		fmt.Println(e)
	}
}
