package wsspec_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wsspec"
)

func TestCloseCode(t *testing.T) {
	for code, want := range map[int]int{1000: 1000, 1001: 4001, 1015: 4015, 2999: 4011, 3000: 3000, 4999: 4999, 0: 4011, 5000: 4011} {
		got, ok := wsspec.CloseCode(code)
		assert.Equal(t, want, got, "code %d", code)
		assert.Equal(t, want != 4011 || code == 1011, ok, "code %d: valid", code)
	}
}

func TestPeerCloseCode(t *testing.T) {
	for code, want := range map[int]bool{
		0: false, 999: false, 1000: true, 1003: true, 1004: false, 1005: false, 1006: false, 1007: true,
		1014: true, 1015: false, 1016: false, 2999: false, 3000: true, 4999: true, 5000: false,
	} {
		assert.Equal(t, want, wsspec.PeerCloseCode(code), "code %d", code)
	}
}

func TestCloseReason(t *testing.T) {
	assert.Equal(t, strings.Repeat("é", 61), wsspec.CloseReason(strings.Repeat("é", 100)), "cut at a character")
	assert.Equal(t, "a\uFFFDb", wsspec.CloseReason("a\xffb"))
}

func TestCheckURL(t *testing.T) {
	for raw, want := range map[string]string{
		"ws://h/x": "ws://h/x", "wss://h": "wss://h", "http://h/x?from=http://y": "ws://h/x?from=http://y", "https://h": "wss://h",
		"ftp://h": `scheme "ftp"`, "ws:///x": "no host", "ws:/x": "no host", "ws:x": "no host", "ws://?x": "no host", "ws://h?x": "ws://h?x", "ws://h/x#": "no fragment",
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		scheme, err := wsspec.CheckURL(u.Scheme, u.Host, raw)
		if err != nil {
			assert.Contains(t, err.Error(), want, raw)
			continue
		}
		u.Scheme = scheme
		assert.Equal(t, want, u.String(), raw)
	}
}

func TestReadLimit(t *testing.T) {
	for n, want := range map[int64]int64{0: wsspec.DefaultReadLimit, -1: -1, -2: wsspec.DefaultReadLimit, -1 << 40: wsspec.DefaultReadLimit, 1: 1, 1 << 40: 1 << 40} {
		assert.Equal(t, want, wsspec.ReadLimit(n), "ReadLimit(%d)", n)
	}
}

func TestCheckWrite(t *testing.T) {
	errUTF8 := errors.New("test: invalid UTF-8")
	require.NoError(t, wsspec.CheckWrite("x: write", wsspec.MessageText, []byte("ok ✓"), errUTF8))
	require.NoError(t, wsspec.CheckWrite("x: write", wsspec.MessageBinary, []byte{0xff}, errUTF8), "binary is not checked")

	err := wsspec.CheckWrite("x: write", wsspec.MessageText, []byte{'a', 0xff}, errUTF8)
	require.ErrorIs(t, err, errUTF8)
	assert.EqualError(t, err, "x: write: text is not valid UTF-8; nothing was sent")

	for _, typ := range []int{0, 3, -1} {
		err := wsspec.CheckWrite("x: write", typ, nil, errUTF8)
		assert.EqualError(t, err, "x: write: MessageType("+strconv.Itoa(typ)+") is not a message type")
		assert.Equal(t, err, wsspec.CheckType("x: write", typ), "CheckType")
	}
	assert.NoError(t, wsspec.CheckType("x: writer", wsspec.MessageText))
}

func TestClose(t *testing.T) {
	errCode := errors.New("test: invalid close code")
	code, reason, err := wsspec.Close("x: close", 1001, "bye", errCode)
	require.NoError(t, err)
	assert.Equal(t, 4001, code, "1001 is sent as 4001")
	assert.Equal(t, "bye", reason)

	_, reason, err = wsspec.Close("x: close", 1000, strings.Repeat("é", 100), errCode)
	require.NoError(t, err)
	assert.Equal(t, wsspec.CloseReason(strings.Repeat("é", 100)), reason, "the reason made sendable")

	code, reason, err = wsspec.Close("x: close", 2000, "ignored", errCode)
	require.ErrorIs(t, err, errCode)
	assert.EqualError(t, err, "x: close: code 2000 is not a close code a client may send; closed with 4011")
	assert.Equal(t, 4011, code)
	assert.Equal(t, "duplex: invalid close code 2000", reason)
}

func TestCheckSubprotocols(t *testing.T) {
	for _, tt := range []struct {
		list []string
		want string // "" for none
	}{
		{nil, ""},
		{[]string{"chat.v1", "b-2_x~!#$%&'*+^`|"}, ""},
		{[]string{"ok", ""}, "Options.Subprotocols[1] is empty"},
		{[]string{"not a token"}, "Options.Subprotocols[0] holds a space"},
		{[]string{"a,b"}, `Options.Subprotocols[0] holds ","`},
		{[]string{"k=v"}, `Options.Subprotocols[0] holds "="`},
		{[]string{"é"}, "Options.Subprotocols[0] holds a byte outside printable ASCII"},
		{[]string{"tab\there"}, "a byte outside printable ASCII"},
		{[]string{"a", "b", "a"}, "Options.Subprotocols[2] repeats Options.Subprotocols[0]"},
	} {
		err := wsspec.CheckSubprotocols("Options.Subprotocols", tt.list)
		if tt.want == "" {
			assert.NoError(t, err, "%q", tt.list)
			continue
		}
		require.Error(t, err, "%q", tt.list)
		assert.Contains(t, err.Error(), tt.want, "%q", tt.list)
	}
	err := wsspec.CheckSubprotocols("Options.Subprotocols", []string{"bearer=S3CR3T"})
	assert.NotContains(t, err.Error(), "S3CR3T", "the value, which may be a credential")
}
