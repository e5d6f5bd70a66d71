package client

import (
	"time"

	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// MessageType is the type of a WebSocket data message. The zero value is
// not a message type.
type MessageType = ws.MessageType

const (
	// MessageText is a text message: UTF-8, checked on both sides.
	MessageText = ws.MessageText
	// MessageBinary is a binary message.
	MessageBinary = ws.MessageBinary
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4). The zero
// value is not a close code.
type StatusCode = ws.StatusCode

// The close codes of RFC 6455 and its registry. 1005, 1006 and 1015 are
// never sent: they only report what happened.
const (
	StatusNormalClosure   = ws.StatusNormalClosure
	StatusGoingAway       = ws.StatusGoingAway
	StatusProtocolError   = ws.StatusProtocolError
	StatusUnsupportedData = ws.StatusUnsupportedData
	// StatusNoStatusRcvd: the peer's close frame had no code.
	StatusNoStatusRcvd = ws.StatusNoStatusRcvd
	// StatusAbnormalClosure: the connection ended without a close frame.
	StatusAbnormalClosure         = ws.StatusAbnormalClosure
	StatusInvalidFramePayloadData = ws.StatusInvalidFramePayloadData
	StatusPolicyViolation         = ws.StatusPolicyViolation
	StatusMessageTooBig           = ws.StatusMessageTooBig
	StatusMandatoryExtension      = ws.StatusMandatoryExtension
	StatusInternalError           = ws.StatusInternalError
	StatusServiceRestart          = ws.StatusServiceRestart
	StatusTryAgainLater           = ws.StatusTryAgainLater
	StatusBadGateway              = ws.StatusBadGateway
	// StatusTLSHandshake: the TLS handshake failed (never sent).
	StatusTLSHandshake = ws.StatusTLSHandshake
)

// WireCode returns the code Close sends for c, the same on both
// platforms, since browsers only let a page send 1000 and 3000-4999:
//
//   - 1000 and 3000-4999 are sent as they are;
//   - 1001-1015 (going away, policy violation, message too big, internal
//     error, ...) are sent as 4001-4015, 4000 plus the last three digits,
//     so that a server can map them back;
//   - anything else is not a close code a client may send: WireCode
//     reports false, and Close sends 4011 and returns ErrInvalidCloseCode.
func WireCode(c StatusCode) (StatusCode, bool) { return ws.WireCode(c) }

// Defaults for the zero Options.
const (
	DefaultReadLimit        = ws.DefaultReadLimit
	DefaultHandshakeTimeout = ws.DefaultHandshakeTimeout
	DefaultCloseTimeout     = ws.DefaultCloseTimeout
	// DefaultReceiveQueueLimit is the least default of
	// Options.ReceiveQueueLimit (browsers only).
	DefaultReceiveQueueLimit = ws.DefaultReceiveQueueLimit
	// DefaultSendHighWater is the default of Options.SendHighWater
	// (browsers only).
	DefaultSendHighWater = ws.DefaultSendHighWater
)

// Options configures Dial. The zero value is ready to use and a nil
// *Options means the zero value. Every field exists on both platforms;
// each says what it does where. A field the browser cannot honour, set to
// anything but its zero value, makes Dial in the browser fail with an
// error naming it (wrapping ErrUnsupported): a credential is never dropped
// silently.
type Options struct {
	// Subprotocols lists the subprotocols to offer, in order of
	// preference; Conn.Subprotocol reports the server's choice. A server
	// that selects none of them fails the Dial with a *DialError on both
	// platforms, because browsers fail such a handshake.
	Subprotocols []string

	// ReadLimit is the largest message Read and Reader accept, in bytes: 0
	// means DefaultReadLimit (32 KiB), -1 no limit. A larger message
	// closes the connection with 4009 and reads return ErrMessageTooBig.
	// Natively that happens as soon as a frame header announces a size
	// over the limit, before any of the message is downloaded; browsers
	// receive a message whole before a page sees it, and there the size
	// is checked before anything is copied into Go memory.
	ReadLimit int64

	// HandshakeTimeout bounds Dial when ctx has no earlier deadline: 0
	// means DefaultHandshakeTimeout (30 s), a negative value only ctx.
	HandshakeTimeout time.Duration

	// CloseTimeout bounds Close's wait for the peer's close frame: 0
	// means DefaultCloseTimeout (5 s).
	CloseTimeout time.Duration

	// Header is sent with the handshake request natively (an http.Header
	// assigns to it). Browsers have no API for it: in the browser a
	// non-empty Header is an error.
	Header map[string][]string

	// Proxy returns the URL of the HTTP proxy for a connection to target
	// (the server's URL with scheme http or https, as proxy settings name
	// them), or "" for none: ProxyURL(u) always returns u. A proxy URL is
	// http:// or https://, with user:password@ for Basic authentication.
	// A nil Proxy means the environment's HTTPS_PROXY, HTTP_PROXY and
	// NO_PROXY (which never proxy loopback). Both ws:// and wss:// go
	// through an HTTP CONNECT tunnel, as browsers do. Natively only:
	// browsers use their own proxy settings, and a non-nil Proxy is an
	// error there. URLs are strings so that the portable API needs no
	// net/url, which would weigh on every page.
	Proxy func(target string) (proxy string, err error)

	// TLS configures wss:// natively. Browsers use their own trust store
	// and client certificates: in the browser a non-nil TLS is an error.
	TLS *TLSOptions

	// Compression asks for permessage-deflate natively (the zero value
	// does not). Browsers decide for themselves (Chrome always offers it):
	// in the browser it is a no-op.
	Compression Compression

	// BinaryType chooses how the browser hands over binary messages:
	// ArrayBuffer (the zero value) or Blob. A no-op natively.
	BinaryType BinaryType

	// Transport chooses the browser API: the classic WebSocket (the zero
	// value), WebSocketStream, or WebSocketStream where the browser has
	// it. A no-op natively.
	Transport Transport

	// ReceiveQueueLimit bounds the browser's receive queue: the bytes
	// the browser has received and Read has not yet returned, text
	// counted in UTF-8, and each message 128 bytes more, about what the
	// browser keeps beside its bytes, so that a flood of empty messages
	// fills it too. 0 means DefaultReceiveQueueLimit (64 MiB), or 128
	// times the ReadLimit if that is larger (up to 256 MiB, or the
	// ReadLimit if that is larger still), following SetReadLimit: room
	// for twice a burst of 64 messages of the largest size the program
	// accepts, so that only a program that stops reading while the
	// server keeps sending fills it. With the classic WebSocket a full
	// queue closes the connection with 4008, and reads (after the
	// messages before), writes and Close return ErrReceiveQueueFull with
	// net.ErrClosed; WebSocketStream stops reading from the network
	// instead, until Read makes room. A no-op natively, where messages
	// wait in the network (TCP pushes back).
	ReceiveQueueLimit int64

	// SendHighWater and SendLowWater bound what the browser buffers for
	// sending: a Write that finds bufferedAmount at or above the high
	// mark waits, before sending, until it is below the low mark. 0 means
	// DefaultSendHighWater (1 MiB) and a quarter of the high mark. A no-op natively, where Write
	// returns once the message is written to the network.
	SendHighWater int64
	SendLowWater  int64
}

// ProxyURL returns an Options.Proxy that sends every connection through
// the HTTP proxy at u (http:// or https://, with user:password@ for Basic
// authentication).
func ProxyURL(u string) func(target string) (string, error) {
	return func(string) (string, error) { return u, nil }
}

// TLSOptions configures TLS for wss:// natively, in plain types: the
// portable API imports no crypto/tls, which would weigh on every page.
type TLSOptions struct {
	// RootCAs are PEM certificates to trust instead of the system's.
	RootCAs []byte
	// ServerName overrides the name checked in the server's certificate.
	ServerName string
	// InsecureSkipVerify accepts any certificate. For tests only.
	InsecureSkipVerify bool
	// Certificate and Key are a PEM client certificate and its key.
	Certificate, Key []byte
}

// Compression is the permessage-deflate mode asked for natively.
type Compression int

const (
	// CompressionDisabled does not offer permessage-deflate.
	CompressionDisabled Compression = iota
	// CompressionNoContextTakeover compresses each message on its own:
	// little memory per connection.
	CompressionNoContextTakeover
	// CompressionContextTakeover keeps the window between messages:
	// better ratios for similar messages, 32 KiB or more per connection.
	CompressionContextTakeover
)

// BinaryType is how the browser hands over binary messages.
type BinaryType = ws.BinaryType

const (
	// ArrayBuffer has the browser deliver an ArrayBuffer.
	ArrayBuffer = ws.ArrayBuffer
	// Blob has the browser deliver a Blob, which it may keep on disk;
	// duplex reads blobs in arrival order.
	Blob = ws.Blob
)

// Transport is the browser API a Conn runs on.
type Transport = ws.Transport

const (
	// TransportWebSocket is the classic WebSocket, in every browser.
	TransportWebSocket = ws.TransportWebSocket
	// TransportStream is WebSocketStream (Chromium 124+): backpressure
	// both ways. Dial fails with ErrUnsupported where it is missing, and
	// with Blob.
	TransportStream = ws.TransportStream
	// TransportPreferStream is WebSocketStream where the browser has it
	// (and BinaryType is ArrayBuffer), else the classic WebSocket.
	TransportPreferStream = ws.TransportPreferStream
)

// withDefaults returns a copy of o with its defaults filled in.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
		out.Subprotocols = append([]string(nil), o.Subprotocols...)
	}
	out.ReadLimit = wsspec.ReadLimit(out.ReadLimit)
	if out.HandshakeTimeout == 0 {
		out.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if out.CloseTimeout <= 0 {
		out.CloseTimeout = DefaultCloseTimeout
	}
	return out
}
