//go:build !js

package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/examples/chat"
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
