// Package ws declares, once, the vocabulary that package client (on both
// platforms) and package wasm (the browser socket) both speak: message
// types, close codes, the error types and sentinels, the browser's binary
// types and transports, and the defaults. Each of those packages declares
// aliases of these, so that a value made by one is the value the other
// names: errors.As(err, &ce) with a *client.CloseError finds the
// *wasm.CloseError of a connection dialled by package wasm, since they are
// one type.
//
// The text of these errors has one prefix, "websocket: ", whichever
// package returns them; an error of an operation of client or wasm says
// "client: op: ..." or "wasm: op: ..." and holds these values in its
// chain, composed from their fields, never from their text.
//
// Like everything in the browser build, it imports neither fmt nor
// strings (see internal/errs).
package ws

import (
	"strconv"
	"time"

	"github.com/duplex-go/duplex/internal/wsspec"
)

// MessageType is the type of a WebSocket data message. The zero value is
// not a message type.
type MessageType int

const (
	// MessageText is a text message: UTF-8, checked on both sides.
	MessageText MessageType = wsspec.MessageText
	// MessageBinary is a binary message.
	MessageBinary MessageType = wsspec.MessageBinary
)

// String returns "text", "binary", or "MessageType(N)".
func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// StatusCode is a WebSocket close code (RFC 6455 section 7.4). The zero
// value is not a close code.
type StatusCode int

// The close codes of RFC 6455 and its registry. 1005, 1006 and 1015 are
// never sent: they only report what happened.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	// StatusNoStatusRcvd: the peer's close frame had no code.
	StatusNoStatusRcvd StatusCode = 1005
	// StatusAbnormalClosure: the connection ended without a close frame.
	StatusAbnormalClosure         StatusCode = 1006
	StatusInvalidFramePayloadData StatusCode = 1007
	StatusPolicyViolation         StatusCode = 1008
	StatusMessageTooBig           StatusCode = 1009
	StatusMandatoryExtension      StatusCode = 1010
	StatusInternalError           StatusCode = 1011
	StatusServiceRestart          StatusCode = 1012
	StatusTryAgainLater           StatusCode = 1013
	StatusBadGateway              StatusCode = 1014
	// StatusTLSHandshake: the TLS handshake failed (never sent).
	StatusTLSHandshake StatusCode = 1015
)

// String returns the code's name, such as "StatusGoingAway", or
// "StatusCode(4001)" for codes without one.
func (c StatusCode) String() string {
	switch c {
	case StatusNormalClosure:
		return "StatusNormalClosure"
	case StatusGoingAway:
		return "StatusGoingAway"
	case StatusProtocolError:
		return "StatusProtocolError"
	case StatusUnsupportedData:
		return "StatusUnsupportedData"
	case StatusNoStatusRcvd:
		return "StatusNoStatusRcvd"
	case StatusAbnormalClosure:
		return "StatusAbnormalClosure"
	case StatusInvalidFramePayloadData:
		return "StatusInvalidFramePayloadData"
	case StatusPolicyViolation:
		return "StatusPolicyViolation"
	case StatusMessageTooBig:
		return "StatusMessageTooBig"
	case StatusMandatoryExtension:
		return "StatusMandatoryExtension"
	case StatusInternalError:
		return "StatusInternalError"
	case StatusServiceRestart:
		return "StatusServiceRestart"
	case StatusTryAgainLater:
		return "StatusTryAgainLater"
	case StatusBadGateway:
		return "StatusBadGateway"
	case StatusTLSHandshake:
		return "StatusTLSHandshake"
	}
	return "StatusCode(" + strconv.Itoa(int(c)) + ")"
}

// WireCode returns the code a close with c sends, the same on both
// platforms, since browsers only let a page send 1000 and 3000-4999:
//
//   - 1000 and 3000-4999 are sent as they are;
//   - 1001-1015 (going away, policy violation, message too big, internal
//     error, ...) are sent as 4001-4015, 4000 plus the last three digits,
//     so that a server can map them back;
//   - anything else is not a close code a client may send: WireCode
//     reports false, and a close with it sends 4011 and returns
//     ErrInvalidCloseCode.
func WireCode(c StatusCode) (StatusCode, bool) {
	code, ok := wsspec.CloseCode(int(c))
	return StatusCode(code), ok
}

// MaxReasonBytes is the longest close reason sent: what browsers allow,
// and what fits a close frame with its code.
const MaxReasonBytes = wsspec.MaxReasonBytes

// BinaryType is how the browser hands over binary messages (the
// WebSocket's binaryType). Read returns bytes either way.
type BinaryType int

const (
	// ArrayBuffer has the browser hand over binary messages in memory.
	ArrayBuffer BinaryType = iota
	// Blob has the browser hand over binary messages as Blobs, which it
	// may keep outside the JavaScript heap; they are read in arrival
	// order. Only the classic WebSocket has it.
	Blob
)

// String returns the DOM's name of the binary type, "arraybuffer" or
// "blob", or "BinaryType(N)".
func (b BinaryType) String() string {
	switch b {
	case ArrayBuffer:
		return "arraybuffer"
	case Blob:
		return "blob"
	}
	return "BinaryType(" + strconv.Itoa(int(b)) + ")"
}

// Transport is the browser API a connection runs on.
type Transport int

const (
	// TransportWebSocket is the classic WebSocket, which every browser
	// has. A full receive queue closes the connection (4008); writes wait
	// on bufferedAmount.
	TransportWebSocket Transport = iota
	// TransportStream is WebSocketStream (Chromium 124 and later):
	// backpressure both ways; a full receive queue stops reading, and the
	// server's writes wait, instead of closing. Dial fails with
	// ErrUnsupported where the browser lacks it, and with Blob.
	TransportStream
	// TransportPreferStream is WebSocketStream where the browser has it
	// (and the binary type is ArrayBuffer), else the classic WebSocket.
	// A connection reports the one it chose.
	TransportPreferStream
)

// String returns "WebSocket", "WebSocketStream" or "prefer
// WebSocketStream".
func (t Transport) String() string {
	switch t {
	case TransportWebSocket:
		return "WebSocket"
	case TransportStream:
		return "WebSocketStream"
	case TransportPreferStream:
		return "prefer WebSocketStream"
	}
	return "Transport(" + strconv.Itoa(int(t)) + ")"
}

// Defaults for options left zero.
const (
	// DefaultReadLimit is the largest message read, in bytes: 32 KiB.
	DefaultReadLimit = wsspec.DefaultReadLimit
	// DefaultHandshakeTimeout bounds a dial whose ctx has no earlier
	// deadline.
	DefaultHandshakeTimeout = 30 * time.Second
	// DefaultCloseTimeout bounds the wait for the peer's close frame.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultReceiveQueueLimit is the least default limit of the
	// browser's receive queue, in bytes (64 MiB): see the
	// ReceiveQueueLimit option.
	DefaultReceiveQueueLimit = 64 << 20
	// DefaultSendHighWater is the default high-water mark of the bytes
	// the browser holds for sending (1 MiB): see the SendHighWater
	// option.
	DefaultSendHighWater = 1 << 20
)
