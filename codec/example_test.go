package codec_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/codec/cbor"
	"github.com/duplex-go/duplex/reconnect"
)

// serverURL stands for your server. Example (Client) is compiled, not
// run: it would need one. The other examples run over a Pipe.
var serverURL = "wss://example.com/quotes"

type Price struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

// Example_client is the usual start: a client.Conn, and a typed Conn on
// top of it.
func Example_client() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, serverURL, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()

	prices := codec.NewConn(c, codec.JSON[Price]{})
	if err := prices.Send(ctx, Price{Symbol: "ACME"}); err != nil {
		return
	}
	for {
		p, err := prices.Receive(ctx)
		if _, ok := errors.AsType[*codec.DecodeError](err); ok {
			continue // one bad message; the connection is still open
		}
		if err != nil {
			return // the connection ended, or ctx
		}
		fmt.Println(p.Symbol, p.Price)
	}
}

func ExampleNewConn() {
	ctx := context.Background()
	a, b := codec.Pipe() // stands for a client.Conn and its server
	defer a.Close()

	out := codec.NewConn(a, codec.JSON[Price]{})
	in := codec.NewConn(b, codec.JSON[Price]{})
	_ = out.Send(ctx, Price{Symbol: "ACME", Price: 12.5})
	p, err := in.Receive(ctx)
	fmt.Println(p, err)
	// Output: {ACME 12.5} <nil>
}

func ExampleDecodeError() {
	ctx := context.Background()
	a, b := codec.Pipe()
	defer a.Close()
	_ = a.Write(ctx, client.MessageText, []byte(`{"symbol": 42}`))
	_ = a.Write(ctx, client.MessageText, []byte(`{"symbol": "ACME"}`))

	prices := codec.NewConn(b, codec.JSON[Price]{})
	_, err := prices.Receive(ctx)
	if de, ok := errors.AsType[*codec.DecodeError](err); ok {
		fmt.Printf("skipped %s message %s\n", de.Type, de.Data)
	}
	p, err := prices.Receive(ctx) // the connection is still open
	fmt.Println(p.Symbol, err)
	// Output:
	// skipped text message {"symbol": 42}
	// ACME <nil>
}

func ExampleJSON_limits() {
	deep := []byte(`[[[[[[[[[[1]]]]]]]]]]`)
	var v any
	err := codec.JSON[any]{Limits: codec.Limits{MaxDepth: 8}}.Unmarshal(deep, &v)
	fmt.Println(errors.Is(err, codec.ErrTooDeep))
	// Output: true
}

// Vec is a type with its own binary encoding.
type Vec struct{ X, Y int16 }

func (v *Vec) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, uint16(v.X)), uint16(v.Y)), nil
}

func (v *Vec) UnmarshalBinary(p []byte) error {
	if len(p) != 4 {
		return errors.New("vec: want 4 bytes")
	}
	v.X, v.Y = int16(binary.BigEndian.Uint16(p)), int16(binary.BigEndian.Uint16(p[2:]))
	return nil
}

func ExampleMarshaler() {
	ctx := context.Background()
	a, b := codec.Pipe()
	defer a.Close()

	// No reflection: the type's own methods are the format.
	out := codec.NewConn(a, codec.Marshaler[Vec, *Vec]{})
	in := codec.NewConn(b, codec.Marshaler[Vec, *Vec]{})
	_ = out.Send(ctx, Vec{X: 3, Y: -4})
	v, err := in.Receive(ctx)
	fmt.Println(v, err)
	// Output: {3 -4} <nil>
}

func ExampleText() {
	ctx := context.Background()
	a, b := codec.Pipe()
	defer a.Close()
	_ = codec.NewConn(a, codec.Text{}).Send(ctx, "héllo")
	_ = codec.NewConn(a, codec.Bytes{}).Send(ctx, []byte{0xde, 0xad})

	s, _ := codec.NewConn(b, codec.Text{}).Receive(ctx)
	p, _ := codec.NewConn(b, codec.Bytes{}).Receive(ctx)
	fmt.Printf("%s %x\n", s, p)
	// Output: héllo dead
}

type ChatMessage struct {
	From string `json:"from"`
	Text string `json:"text"`
}

// The kinds of the example's protocol, each bound to its type once.
var chatKind = codec.NewKind[ChatMessage]("chat")

func ExampleRouter() {
	ctx, cancel := context.WithCancel(context.Background())
	a, b := codec.Pipe() // stands for a client.Conn and its server
	defer a.Close()

	server := codec.NewRouter(b, nil)
	got := make(chan ChatMessage)
	codec.Handle(server, "chat", func(ctx context.Context, m ChatMessage) error {
		got <- m
		return nil
	})
	done := make(chan error)
	go func() { done <- server.Run(ctx) }()

	c := codec.NewRouter(a, nil) // JSON envelopes: {"type":"chat","data":{...}}
	_ = chatKind.Send(ctx, c, ChatMessage{From: "ann", Text: "hi"})
	fmt.Println(<-got)

	cancel()
	fmt.Println(<-done)
	// Output:
	// {ann hi}
	// context canceled
}

type AddArgs struct{ A, B int }

func ExampleCall() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := codec.Pipe()
	defer a.Close()

	// The server side answers "add" calls.
	server := codec.NewRouter(b, &codec.RouterOptions{Format: cbor.Format{}})
	codec.HandleCall(server, "add", func(ctx context.Context, args AddArgs) (int, error) {
		if args.A < 0 {
			return 0, &codec.RemoteError{Code: "negative", Message: "A is negative"}
		}
		return args.A + args.B, nil
	})
	go server.Run(ctx)

	// The client side calls; Run reads the replies.
	c := codec.NewRouter(a, &codec.RouterOptions{Format: cbor.Format{}})
	go c.Run(ctx)
	callCtx, cancelCall := context.WithTimeout(ctx, 5*time.Second)
	defer cancelCall()

	sum, err := codec.Call[AddArgs, int](callCtx, c, "add", AddArgs{A: 1, B: 2})
	fmt.Println(sum, err)
	_, err = codec.Call[AddArgs, int](callCtx, c, "add", AddArgs{A: -1})
	if re, ok := errors.AsType[*codec.RemoteError](err); ok {
		fmt.Println(re.Code, re.Message)
	}
	// Output:
	// 3 <nil>
	// negative A is negative
}

// ExampleIdempotent runs a Router over a reconnect.Conn: it outlives
// lost connections, and a call marked Idempotent whose connection is lost
// before its reply is sent again on the next one. Compiled, not run: it
// would need a server.
func ExampleIdempotent() {
	ctx := context.Background()
	rc, err := reconnect.Dial(ctx, serverURL, nil)
	if err != nil {
		return
	}
	defer rc.CloseNow()
	r := codec.NewRouter(rc, nil)
	go r.Run(ctx)

	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Reading a price twice does no harm: resend it if need be.
	p, err := codec.Call[string, Price](callCtx, r, "price", "ACME", codec.Idempotent())
	if errors.Is(err, codec.ErrConnLost) {
		return // only when rc gave up
	}
	fmt.Println(p.Price, err)
}
