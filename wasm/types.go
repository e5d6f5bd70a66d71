//go:build js && wasm

package wasm

import (
	"strconv"
	"time"

	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// MessageType is the type of a WebSocket data message: the same type as
// client.MessageType. The zero value is not a message type.
type MessageType = ws.MessageType

const (
	// MessageText is a text message: UTF-8, checked on both sides.
	MessageText = ws.MessageText
	// MessageBinary is a binary message.
	MessageBinary = ws.MessageBinary
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4): the same
// type as client.StatusCode. The zero value is not a close code.
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

// BinaryType is the WebSocket's binaryType, how the browser hands over
// binary messages: the same type as client.BinaryType. Read returns bytes
// either way.
type BinaryType = ws.BinaryType

const (
	// ArrayBuffer (the zero value) makes the browser hand over binary
	// messages in memory.
	ArrayBuffer = ws.ArrayBuffer
	// Blob makes the browser hand over binary messages as Blobs, which it
	// may keep outside the JavaScript heap; Read reads each one, in
	// arrival order. Only the classic WebSocket has it.
	Blob = ws.Blob
)

// ReadyState is the DOM's WebSocket readyState.
type ReadyState int

const (
	// Connecting: the handshake has not finished.
	Connecting ReadyState = 0
	// Open: messages flow.
	Open ReadyState = 1
	// Closing: the closing handshake has started.
	Closing ReadyState = 2
	// Closed: the connection is closed or could not open.
	Closed ReadyState = 3
)

// String returns the state's DOM name, such as "OPEN".
func (s ReadyState) String() string {
	switch s {
	case Connecting:
		return "CONNECTING"
	case Open:
		return "OPEN"
	case Closing:
		return "CLOSING"
	case Closed:
		return "CLOSED"
	}
	return "ReadyState(" + strconv.Itoa(int(s)) + ")"
}

// Transport chooses the browser API under a Conn: the same type as
// client.Transport.
type Transport = ws.Transport

const (
	// TransportWebSocket is the page's classic WebSocket, which every
	// browser has. A full receive queue closes the connection (see
	// Options.ReceiveQueueLimit); writes wait on bufferedAmount.
	TransportWebSocket = ws.TransportWebSocket
	// TransportStream is WebSocketStream (Chromium 124 and later): when
	// the receive queue is full it stops reading, and the server's writes
	// stall, instead of closing. Dial fails with ErrUnsupported where the
	// browser lacks it.
	TransportStream = ws.TransportStream
	// TransportPreferStream is WebSocketStream where the browser has it
	// (and the BinaryType is ArrayBuffer), else the classic WebSocket.
	TransportPreferStream = ws.TransportPreferStream
)

// Defaults for the zero Options. DefaultReceiveQueueLimit is the least
// default limit of the receive queue: see Options.ReceiveQueueLimit.
const (
	DefaultReadLimit         = ws.DefaultReadLimit
	DefaultReceiveQueueLimit = ws.DefaultReceiveQueueLimit
	DefaultSendHighWater     = ws.DefaultSendHighWater
	DefaultHandshakeTimeout  = ws.DefaultHandshakeTimeout
	DefaultCloseTimeout      = ws.DefaultCloseTimeout
)

// The default receive-queue limit holds queueMessages messages of the
// read limit's size, between DefaultReceiveQueueLimit and
// maxDefaultQueueLimit.
// The cap keeps a full queue affordable: Read copies each message into
// Go's memory, which the garbage collector lets grow to about twice what
// is live and which never shrinks, so a full queue can cost the page some
// three times its size. At 256 MiB that stays under 1 GiB; at 1 GiB (the
// cap before) it would be near 3 GiB, against the 4 GiB a wasm32 memory
// can address at most and less than many renderers (phones first) get.
// A program that expects larger bursts sets ReceiveQueueLimit itself.
const (
	queueMessages        = 128
	maxDefaultQueueLimit = 256 << 20
)

// defaultQueueLimit is the receive queue's limit for a zero
// Options.ReceiveQueueLimit.
func defaultQueueLimit(readLimit int64) int64 {
	switch {
	case readLimit < 0:
		return DefaultReceiveQueueLimit
	case readLimit > maxDefaultQueueLimit/queueMessages:
		return maxDefaultQueueLimit
	}
	return max(DefaultReceiveQueueLimit, queueMessages*readLimit)
}

// Options configures Dial. The zero value is ready to use; a nil *Options
// means the zero value.
type Options struct {
	// Subprotocols lists the subprotocols to offer, in order of
	// preference; Conn.Subprotocol reports the server's choice.
	Subprotocols []string

	// BinaryType is how the browser hands over binary messages: the zero
	// value is ArrayBuffer.
	BinaryType BinaryType

	// Transport chooses the browser API: the zero value is the classic
	// WebSocket.
	Transport Transport

	// ReadLimit is the largest message Read accepts, in bytes: 0 (or any
	// negative value but -1) means DefaultReadLimit (32 KiB), -1 means no
	// limit, as in SetReadLimit. A larger message is
	// refused before it is copied into Go memory (its byteLength, its
	// Blob size or its text's UTF-8 length is checked): the connection
	// closes with 4009 and Read returns ErrMessageTooBig after the
	// messages before it.
	ReadLimit int64

	// ReceiveQueueLimit bounds the receive queue: the bytes received and
	// not yet returned by Read, text counted in UTF-8, as Read returns
	// it, and each message 128 bytes more, about what the browser keeps
	// beside its bytes, so that a flood of empty messages fills it too. 0
	// means a default that an ordinary burst does not reach:
	// DefaultReceiveQueueLimit (64 MiB), or 128 times the ReadLimit if
	// that is larger, so that the queue holds 128 messages of the largest
	// size the program accepts (twice a burst of 64 in flight), up to
	// 256 MiB (with no ReadLimit, 64 MiB): what a page can afford to hold
	// and copy into Go. It follows SetReadLimit, and is at least the
	// ReadLimit. A queue this large fills only when the program stops
	// reading while the server keeps sending: the classic WebSocket reads
	// all it is sent whether or not Go reads, so the limit is what keeps a
	// flood from taking the page's memory. A ReceiveQueueLimit below
	// ReadLimit is raised to it.
	//
	// When a message would pass the limit, the classic WebSocket closes
	// with 4008 and Read returns ErrReceiveQueueFull after the messages
	// before it; WebSocketStream stops reading from the network, so that
	// the server's writes wait, until Read makes room.
	ReceiveQueueLimit int64

	// SendHighWater and SendLowWater bound what the browser buffers for
	// sending. A write that finds BufferedAmount at or above SendHighWater
	// waits, before sending, until it falls below SendLowWater. 0 means
	// DefaultSendHighWater (1 MiB) and a quarter of the high-water mark.
	SendHighWater int64
	SendLowWater  int64

	// HandshakeTimeout bounds Dial's wait for the handshake when ctx has
	// no earlier deadline: 0 means DefaultHandshakeTimeout (30 s; Chromium
	// waits 240 s by itself), a negative value means only ctx bounds it.
	HandshakeTimeout time.Duration

	// CloseTimeout bounds Close's wait for the closing handshake when its
	// ctx has no deadline: 0 means DefaultCloseTimeout (5 s).
	CloseTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
		out.Subprotocols = append([]string(nil), o.Subprotocols...)
	}
	out.ReadLimit = wsspec.ReadLimit(out.ReadLimit)
	if out.ReceiveQueueLimit <= 0 {
		out.ReceiveQueueLimit = defaultQueueLimit(out.ReadLimit)
	}
	if out.ReadLimit > out.ReceiveQueueLimit {
		out.ReceiveQueueLimit = out.ReadLimit
	}
	if out.SendHighWater <= 0 {
		out.SendHighWater = DefaultSendHighWater
	}
	if out.SendLowWater <= 0 {
		out.SendLowWater = out.SendHighWater / 4
	}
	if out.SendLowWater > out.SendHighWater {
		out.SendLowWater = out.SendHighWater
	}
	if out.HandshakeTimeout == 0 {
		out.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if out.CloseTimeout <= 0 {
		out.CloseTimeout = DefaultCloseTimeout
	}
	return out
}
