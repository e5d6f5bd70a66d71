//go:build !js

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
)

var screenshot = flag.String("screenshot", "", "write the screenshot of the chat page taken during TestDemos/Chat to this `file` (make screenshot: docs/img/chat.png)")

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestDemos builds the three pages and both terminal clients as `make
// demo` does, serves them from the demo's one handler on a loopback port,
// and drives them in one headless Chrome.
func TestDemos(t *testing.T) {
	dir := build(t)
	srv := startServer(t, dir)
	browser := newBrowser(t)

	t.Run("Index", func(t *testing.T) { testIndex(t, browser, srv) })
	t.Run("Echo", func(t *testing.T) { testEcho(t, browser, srv, dir) })
	t.Run("Chat", func(t *testing.T) { testChat(t, browser, srv, dir) })
	t.Run("ChatBadInput", func(t *testing.T) { testChatBadInput(t, browser, srv, dir) })
	t.Run("Hello", func(t *testing.T) { testHello(t, browser, srv, dir) })
}

// testHello: chat/hello, the README's program, runs natively and in the
// page chat/hello.html; each copy says hello, and sees the other's.
func testHello(t *testing.T, browser context.Context, srv *server, dir string) {
	watch := open(t, browser, srv.url("/chat/?name=watch&room=lobby"))
	waitJS(t, watch, "the watching page connects", state("connected"))
	native := startCLI(t, filepath.Join(dir, "chathello"), srv.ws("/chat/chat"))
	page := open(t, browser, srv.url("/chat/hello.html"))
	fromNative := "gopher on " + runtime.GOOS + ": hello from " + runtime.GOOS
	fromPage := "gopher on js: hello from js"
	waitJS(t, watch, "both hellos reach the room", messages+`.includes("`+fromNative+`") && `+messages+`.includes("`+fromPage+`")`)
	waitJS(t, page, "the page prints both", `document.getElementById("out").textContent.includes("`+fromNative+`") && document.getElementById("out").textContent.includes("`+fromPage+`")`)
	native.waitLine("the native program prints the page's", fromPage)
}

// testIndex: the index links the three demos, and each page connects.
func testIndex(t *testing.T, browser context.Context, srv *server) {
	tab := open(t, browser, srv.url("/"))
	links := eval[[]string](t, tab, `[...document.querySelectorAll("a")].map(a => a.getAttribute("href"))`)
	assert.Equal(t, []string{"clock/", "echo/", "chat/"}, links)

	hrefs := eval[[]string](t, tab, `[...document.querySelectorAll("a")].map(a => a.href)`)
	require.NoError(t, chromedp.Run(tab, chromedp.Navigate(hrefs[0])))
	waitJS(t, tab, "the clock connects", `document.getElementById("status").textContent === "connected"`)
	waitJS(t, tab, "the clock counts", `Number(document.getElementById("elapsed").textContent) >= 1`)
	for _, href := range hrefs[1:] {
		require.NoError(t, chromedp.Run(tab, chromedp.Navigate(href)))
		waitJS(t, tab, href+" runs", `document.getElementById("status").dataset.state !== "loading"`)
	}
}

// messages is the JavaScript that lists a chat page's messages, as
// "name: text".
const messages = `[...document.querySelectorAll("#log li.message")].map(li => li.querySelector(".name").textContent + ": " + li.querySelector(".text").textContent)`

// state is the JavaScript that tells whether a page's status is in state.
func state(s string) string { return `document.getElementById("status").dataset.state === "` + s + `"` }

// say types text into a chat page and sends it.
func say(t *testing.T, tab context.Context, text string) {
	t.Helper()
	require.NoError(t, chromedp.Run(tab,
		setValue("#text", text),
		chromedp.Click("#say-form button", chromedp.ByQuery),
	), "saying %q", text)
}

// cliMessages returns the messages a chat cli printed, as "name: text".
func cliMessages(lines []string) []string {
	re := regexp.MustCompile(`^\[\d\d:\d\d:\d\d\] ([^:]+: .*)$`)
	var out []string
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// testChat: two pages and a terminal client in one room. Each says
// something, and all three show the same messages in the same order.
// Then the server stops and starts again on the same port: the pages say
// they are reconnecting, one is offline meanwhile; a message typed on a
// page and one in the terminal are pending, then delivered once; the
// page that was offline shows what it missed, without a reload.
func testChat(t *testing.T, browser context.Context, srv *server, dir string) {
	ann := open(t, browser, srv.url("/chat/?name=ann&room=lobby"))
	waitJS(t, ann, "ann connects", state("connected"))
	bob := open(t, browser, srv.url("/chat/?name=bob&room=lobby"))
	waitJS(t, bob, "bob connects", state("connected"))
	cli := startCLI(t, filepath.Join(dir, "chatcli"), "-url", srv.ws("/chat/chat"), "-name", "cli", "-room", "lobby")
	cli.waitLine("the cli connects", "chat: connected")
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, "three members", `document.querySelectorAll("#members li").length === 3`)
	}
	assert.Equal(t, []string{"ann", "bob", "cli"}, eval[[]string](t, bob, `[...document.querySelectorAll("#members li")].map(li => li.textContent)`), "bob's member list")
	assert.Equal(t, "ann", eval[string](t, ann, `document.querySelector("#members li.me").textContent`), "ann is marked as herself")

	say(t, ann, "hello from ann")
	say(t, bob, "hello from bob")
	cli.typeLine("hello from the terminal")
	all := func(n int) {
		t.Helper()
		for _, tab := range []context.Context{ann, bob} {
			waitJS(t, tab, "the page has every message", messages+`.length === `+itoa(n)+` && document.querySelectorAll("#pending li").length === 0`)
		}
		cli.waitFor("the cli has every message", func(lines []string) bool { return len(cliMessages(lines)) == n })
		a, b, c := eval[[]string](t, ann, messages), eval[[]string](t, bob, messages), cliMessages(cli.output())
		assert.Equal(t, a, b, "ann's and bob's pages: the same messages in the same order")
		assert.Equal(t, a, c, "ann's page and the cli: the same messages in the same order")
	}
	all(3)
	first := eval[[]string](t, ann, messages)
	assert.ElementsMatch(t, []string{"ann: hello from ann", "bob: hello from bob", "cli: hello from the terminal"}, first)
	assert.Regexp(t, `^\d\d:\d\d:\d\d$`, eval[string](t, ann, `document.querySelector("#log li.message time").textContent`), "time stamps")

	// The server stops.
	srv.down()
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, "the page says it reconnects", state("reconnecting"))
		assert.Regexp(t, `^reconnecting in \d+ s, attempt \d+: .+$`, eval[string](t, tab, `document.getElementById("status").textContent`))
	}
	cli.waitLine("the cli says it reconnects", "chat: reconnecting in ")
	// bob's browser goes offline: his page waits for the network.
	require.NoError(t, chromedp.Run(bob, network.OverrideNetworkState(true, 0, -1, -1)))
	waitJS(t, bob, "bob's page says it is offline", state("offline"))
	assert.Equal(t, "offline: waiting for the network", eval[string](t, bob, `document.getElementById("status").textContent`))

	// Typed while disconnected: pending.
	say(t, ann, "typed while the server was down")
	waitJS(t, ann, "ann's message is pending", `[...document.querySelectorAll("#pending li.pending")].some(li => li.textContent.includes("typed while the server was down") && li.querySelector(".mark").textContent === "pending")`)
	cli.typeLine("the terminal, also while down")
	cli.waitLine("the cli says its message waits", "chat: pending: sent once connected")
	var shot []byte
	require.NoError(t, chromedp.Run(ann, chromedp.CaptureScreenshot(&shot)), "the screenshot")

	// The server starts again on the same port: ann and the cli come
	// back and send what they had.
	srv.start()
	waitJS(t, ann, "ann reconnects", state("connected"))
	cli.waitLine("the cli reconnects", "chat: in lobby: ")
	waitJS(t, ann, "ann has five messages", messages+`.length === 5 && document.querySelectorAll("#pending li").length === 0`)
	cli.waitFor("the cli has five messages", func(lines []string) bool { return len(cliMessages(lines)) == 5 })

	// bob's network comes back: his page rejoins and shows, apart, what
	// he missed.
	require.NoError(t, chromedp.Run(bob, network.OverrideNetworkState(false, 0, -1, -1)))
	waitJS(t, bob, "bob reconnects", state("connected"))
	all(5)
	final := eval[[]string](t, ann, messages)
	assert.Equal(t, first, final[:3], "what came before, unchanged")
	assert.ElementsMatch(t, []string{"ann: typed while the server was down", "cli: the terminal, also while down"}, final[3:], "each once")
	missedJS := `[...document.querySelectorAll("#log li.message.missed")].map(li => li.querySelector(".text").textContent)`
	missed := eval[[]string](t, bob, missedJS)
	assert.ElementsMatch(t, []string{"typed while the server was down", "the terminal, also while down"}, missed, "bob's page marks what he missed")
	assert.Equal(t, 1, eval[int](t, bob, `document.querySelectorAll("#log li.divider").length`), "under one divider")
	assert.NotContains(t, eval[[]string](t, ann, missedJS), "typed while the server was down", "ann sent it: she did not miss it")

	cli.typeLine("/quit")
	assert.Equal(t, 0, cli.exit(), "the cli's exit code")

	// The screenshot of ann's page, the server down.
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "a PNG")
	assert.Equal(t, 1000, img.Bounds().Dx(), "its width")
	path := *screenshot
	if path == "" {
		path = filepath.Join(t.TempDir(), "chat.png")
	}
	require.NoError(t, os.WriteFile(path, shot, 0o644))
}

// testChatBadInput: a name that is empty, too long or taken, a message
// over the limit, and a server that is not there: each a clear line on
// the page and in the terminal.
func testChatBadInput(t *testing.T, browser context.Context, srv *server, dir string) {
	page := open(t, browser, srv.url("/chat/"))
	join := func(name string) {
		t.Helper()
		require.NoError(t, chromedp.Run(page,
			setValue("#name", name),
			chromedp.Click("#join-form button", chromedp.ByQuery),
		))
	}
	joinError := `document.getElementById("join-error").textContent`
	waitJS(t, page, "the page runs", `!document.getElementById("status").textContent.startsWith("loading")`)
	join("")
	waitJS(t, page, "an empty name", joinError+` === "the name is empty"`)
	join(strings.Repeat("n", 25))
	waitJS(t, page, "a name too long", joinError+` === "the name is too long: 25 characters, at most 24"`)
	join("dora")
	waitJS(t, page, "dora joins", state("connected"))
	say(t, page, strings.Repeat("x", 2001))
	waitJS(t, page, "a message too long", `document.getElementById("say-error").textContent === "the message is too long: 2001 characters, at most 2000"`)
	assert.Equal(t, 0, eval[int](t, page, `document.querySelectorAll("#pending li").length`), "nothing pending")

	taken := open(t, browser, srv.url("/chat/?name=dora&room=lobby"))
	waitJS(t, taken, "a second dora is refused", state("closed"))
	assert.Equal(t, `the name "dora" is taken in room lobby`, eval[string](t, taken, joinError))
	assert.True(t, eval[bool](t, taken, `!document.getElementById("join-form").hidden`), "the form is back, for another name")

	// A server that is down at the start: the page is there, its
	// WebSocket is not (this server has only the files).
	down := httptestFiles(t, filepath.Join(dir, "chat"))
	downPage := open(t, browser, down+"/?name=eve&room=lobby")
	waitJS(t, downPage, "the page retries", state("reconnecting"))
	assert.Regexp(t, `^reconnecting in \d+ s, attempt \d+: cannot reach the server$`, eval[string](t, downPage, `document.getElementById("status").textContent`))

	bin := filepath.Join(dir, "chatcli")
	for _, tt := range []struct{ name, want string }{
		{"", "chat: the name is empty"},
		{strings.Repeat("n", 25), "chat: the name is too long: 25 characters, at most 24"},
	} {
		c := startCLI(t, bin, "-url", srv.ws("/chat/chat"), "-name", tt.name)
		assert.Equal(t, 2, c.exit(), "exit code")
		assert.Equal(t, []string{tt.want}, c.output())
	}
	c := startCLI(t, bin, "-url", srv.ws("/chat/chat"), "-name", "fred")
	c.waitLine("the cli connects", "chat: connected")
	c.typeLine(strings.Repeat("x", 2001))
	c.waitLine("a message too long", "chat: not sent: the message is too long: 2001 characters, at most 2000")
	c.typeLine("/quit")
	assert.Equal(t, 0, c.exit())

	taken2 := startCLI(t, bin, "-url", srv.ws("/chat/chat"), "-name", "dora")
	assert.Equal(t, 1, taken2.exit(), "exit code")
	assert.Contains(t, taken2.output(), `chat: closed: the name "dora" is taken in room lobby`)

	// And in the terminal: nothing listens on the port.
	c = startCLI(t, bin, "-url", "ws://"+closedPort(t)+"/chat/chat", "-name", "gus")
	c.waitFor("the cli retries", func(lines []string) bool {
		return slices.ContainsFunc(lines, regexp.MustCompile(`^chat: reconnecting in \d+ s, attempt 1: cannot reach the server$`).MatchString)
	})
	c.typeLine("/quit")
	assert.Equal(t, 0, c.exit())
	for _, l := range c.output() {
		assert.NotContains(t, l, "goroutine", "no stack trace")
	}
}

// testEcho: a file sent from the page comes back identical, with each
// binaryType and each transport; WebSocketStream with blobs, which no
// browser has, says so; a file over the limit is refused.
func testEcho(t *testing.T, browser context.Context, srv *server, dir string) {
	tab := open(t, browser, srv.url("/echo/"))
	waitJS(t, tab, "the page connects", state("connected"))
	require.NoError(t, chromedp.Run(tab,
		setValue("#text", "héllo"),
		chromedp.Click("#text-form button", chromedp.ByQuery),
	))
	waitJS(t, tab, "the text's echo", `document.querySelector("#results li")?.dataset.ok === "true"`)
	assert.Contains(t, eval[string](t, tab, `document.querySelector("#results li").textContent`), `text "héllo": 6 bytes echoed, identical`)

	file := filepath.Join(t.TempDir(), "random.bin")
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	require.NoError(t, os.WriteFile(file, data, 0o644))
	results := 1
	for _, tt := range []struct{ binaryType, transport, radioBT, radioTr string }{
		{"arraybuffer", "WebSocket", "#bt-arraybuffer", "#tr-websocket"},
		{"blob", "WebSocket", "#bt-blob", "#tr-websocket"},
		{"arraybuffer", "WebSocketStream", "#bt-arraybuffer", "#tr-stream"},
	} {
		require.NoError(t, chromedp.Run(tab,
			chromedp.Click(tt.radioBT, chromedp.ByQuery),
			chromedp.Click(tt.radioTr, chromedp.ByQuery),
		))
		waitJS(t, tab, tt.binaryType+" over "+tt.transport+": connected", state("connected")+` && document.getElementById("conn").dataset.transport === "`+tt.transport+`"`)
		require.NoError(t, chromedp.Run(tab, chromedp.SetUploadFiles("#file", []string{file}, chromedp.ByID)))
		results++
		waitJS(t, tab, tt.binaryType+" over "+tt.transport+": the echo", `document.querySelectorAll("#results li").length === `+itoa(results))
		li := `document.querySelector("#results li")`
		assert.Equal(t, []string{"true", tt.binaryType, tt.transport}, eval[[]string](t, tab, `[`+li+`.dataset.ok, `+li+`.dataset.binarytype, `+li+`.dataset.transport]`))
		assert.Contains(t, eval[string](t, tab, li+`.textContent`), "file random.bin: 3145728 bytes echoed, identical")
		if tt.transport == "WebSocket" {
			// The classic WebSocket counts a message in bufferedAmount
			// as send() takes it, and sends it later.
			assert.GreaterOrEqual(t, eval[int](t, tab, `Number(`+li+`.dataset.buffered)`), len(data), "bytes buffered as the file went out")
			assert.Equal(t, "3145728 bytes were buffered for sending as the last message went out", eval[string](t, tab, `document.getElementById("buffered").textContent`))
		}
	}

	// The same file from the terminal client.
	echocli := filepath.Join(dir, "echocli")
	c := startCLI(t, echocli, "-url", srv.ws("/echo/echo"), "-file", file)
	assert.Equal(t, 0, c.exit(), "exit code")
	assert.Regexp(t, `(?m)^.*random.bin: 3145728 bytes echoed, identical, in .+$`, strings.Join(c.output(), "\n"))
	c = startCLI(t, echocli, "-url", "ws://"+closedPort(t)+"/echo/echo", "-file", file, "-wait", "2s")
	assert.Equal(t, 1, c.exit(), "exit code, the server down")
	assert.Contains(t, c.output(), "echo: not echoed: timed out")
	assert.True(t, slices.ContainsFunc(c.output(), regexp.MustCompile(`^echo: reconnecting in \d+ s, attempt \d+: cannot reach the server$`).MatchString), "says why: %q", c.output())

	// Blobs from WebSocketStream: no browser can.
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#bt-blob", chromedp.ByQuery)))
	waitJS(t, tab, "blob over WebSocketStream: refused", state("closed"))
	assert.Contains(t, eval[string](t, tab, `document.getElementById("status").textContent`), "WebSocketStream is not supported with the Blob binary type")

	// Too large: refused in the page, before anything is sent.
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#tr-websocket", chromedp.ByQuery)))
	waitJS(t, tab, "blob over WebSocket again", state("connected"))
	big := filepath.Join(t.TempDir(), "big.bin")
	require.NoError(t, os.WriteFile(big, make([]byte, 17<<20), 0o644))
	require.NoError(t, chromedp.Run(tab, chromedp.SetUploadFiles("#file", []string{big}, chromedp.ByID)))
	results++
	waitJS(t, tab, "a file too large", `document.querySelectorAll("#results li").length === `+itoa(results))
	assert.Contains(t, eval[string](t, tab, `document.querySelector("#results li").textContent`), "file big.bin: the message is too large: 17.0 MiB, at most 16.0 MiB")
}
