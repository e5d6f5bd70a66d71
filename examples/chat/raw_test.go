//go:build !js

package chat_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// TestServerChecks: the server checks what a client other than
// chat.Client may send, and answers with words for a person.
func TestServerChecks(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, srv.url(), nil)
	require.NoError(t, err)
	r := codec.NewRouter(c, &codec.RouterOptions{OnError: func(context.Context, error) {}}) // the room's events: not read here
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(context.Background()) }()
	defer func() { _ = c.CloseNow(); <-done }()

	_, err = codec.Call[chat.SayRequest, chat.SayReply](ctx, r, chat.KindSay, chat.SayRequest{N: 1, Text: "hi"})
	requireRemote(t, err, chat.CodeNotJoined, "join a room first")
	_, err = codec.Call[chat.JoinRequest, chat.JoinReply](ctx, r, chat.KindJoin, chat.JoinRequest{Room: "lobby", Name: strings.Repeat("n", 25), Client: "x"})
	requireRemote(t, err, chat.CodeBadName, "the name is too long: 25 characters, at most 24")
	_, err = codec.Call[chat.JoinRequest, chat.JoinReply](ctx, r, chat.KindJoin, chat.JoinRequest{Room: "lobby", Name: "ann", Client: "x"})
	require.NoError(t, err)
	_, err = codec.Call[chat.SayRequest, chat.SayReply](ctx, r, chat.KindSay, chat.SayRequest{N: 1, Text: strings.Repeat("x", chat.MaxText+1)})
	requireRemote(t, err, chat.CodeBadText, "the message is too long: 2001 characters, at most 2000")
}

func requireRemote(t *testing.T, err error, code, msg string) {
	t.Helper()
	re, ok := errors.AsType[*codec.RemoteError](err)
	require.True(t, ok, "a *codec.RemoteError: %v", err)
	assert.Equal(t, code, re.Code)
	assert.Equal(t, msg, re.Message)
}
