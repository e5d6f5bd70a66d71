package codec

import "github.com/duplex-go/duplex/client"

// The codes of the errors a Router answers calls with by itself.
const (
	// CodeUnknownKind: no handler for the call's kind.
	CodeUnknownKind = "unknown_kind"
	// CodeBadRequest: the call's data did not decode.
	CodeBadRequest = "bad_request"
)

// RemoteError is the error a peer answered a call with. A handler that
// returns a *RemoteError (or wraps one) sends its Code and Message; any
// other error is sent as its Message alone.
type RemoteError struct {
	// Code is a short machine-readable reason, such as CodeUnknownKind;
	// "" if the peer gave none.
	Code string `json:"code,omitempty"`
	// Message says what went wrong, for people.
	Message string `json:"message"`
}

// Error returns "codec: peer answered: CODE: MESSAGE".
func (e *RemoteError) Error() string {
	if e.Code == "" {
		return "codec: peer answered: " + e.Message
	}
	return "codec: peer answered: " + e.Code + ": " + e.Message
}

// Format is a Router's envelope and payload encoding: JSONFormat (text),
// or cbor.Format from package codec/cbor (binary), which keeps the CBOR
// library out of programs that do not use it. Another format implements
// these methods, and must refuse input over the Limits it is given.
type Format interface {
	// MessageType is the type of the format's messages.
	MessageType() client.MessageType
	// ParseEnvelope decodes the message p, leaving its Data encoded. lim
	// has its defaults filled in; the envelope may nest one level deeper
	// than lim.MaxDepth, so that its data may nest lim.MaxDepth.
	ParseEnvelope(p []byte, lim Limits) (Envelope, error)
	// UnmarshalData decodes the Data of an envelope from ParseEnvelope,
	// which checked it against lim, into v (a pointer).
	UnmarshalData(data []byte, v any, lim Limits) error
	// AppendEnvelope appends e to dst, with data encoded as its Data
	// (e.Data is not used); a nil data means none.
	AppendEnvelope(dst []byte, e *Envelope, data any) ([]byte, error)
}

// Envelope is one message of a Router, as JSONFormat describes.
type Envelope struct {
	// Kind is the message's kind; "" in a reply.
	Kind string
	// ID is a call's number, which its reply repeats; 0 if not a call.
	ID uint64
	// Data is the payload, still encoded; nil if absent.
	Data []byte
	// Err is a reply's error, nil if none.
	Err *RemoteError
}
