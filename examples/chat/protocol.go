package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duplex-go/duplex/codec"
)

// The protocol: a codec.Router on each side, in codec.JSONFormat
// envelopes. On each new connection, before anything else, the client
// calls KindJoin; then it calls KindSay for each message it sends, and the
// server pushes every event of the room as a KindEvent message. The
// server package (chatserver) and this client share these types.
const (
	// KindJoin is the call JoinRequest → JoinReply.
	KindJoin = "join"
	// KindSay is the call SayRequest → SayReply.
	KindSay = "say"
	// KindEvent is an Event the server pushes to every member of the room.
	KindEvent = "event"
	// KindPing is the heartbeat: a call with no data, which the server
	// answers at once with none. After a silence (Options.Heartbeat) the
	// client calls it with the id PingID, outside its Router, and takes
	// the answer as a sign of life; a server that says nothing for as long
	// again is taken for dead, and the client dials again. A link that
	// dies without a word (a laptop's network gone, a NAT that forgot the
	// connection) would otherwise look connected until the operating
	// system gives up on it, many minutes later.
	KindPing = "ping"
)

// PingID is the id of the heartbeat's calls: one that a Router, which
// numbers its own calls from 1, never reaches (2⁵³ − 1, the largest
// integer a JSON number carries exactly in JavaScript).
const PingID = 1<<53 - 1

// EventKind is what an Event records.
type EventKind string

// The kinds of Event.
const (
	// EventMessage: Name said Text.
	EventMessage EventKind = "message"
	// EventJoin: Name joined the room.
	EventJoin EventKind = "join"
	// EventLeave: Name left the room.
	EventLeave EventKind = "leave"
	// EventNote: a line of the client's own (Text), never from the
	// server, such as "the server restarted".
	EventNote EventKind = "note"
)

// Event is one entry of a room's history. The server numbers a room's
// events 1, 2, 3... (Seq) within its Epoch, a name for one run of the
// server: every member sees the same events in the same order.
type Event struct {
	Seq   uint64    `json:"seq"`
	Epoch string    `json:"epoch"`
	Time  time.Time `json:"time"`
	Kind  EventKind `json:"kind"`
	Name  string    `json:"name,omitempty"`
	Text  string    `json:"text,omitempty"`
	// From and N, on an EventMessage, say which of its sender's messages
	// it is: Tag(JoinRequest.Client) and SayRequest.N. The sender knows
	// its message has reached the room when the event comes, even before
	// the answer to its call.
	From string `json:"from,omitempty"`
	N    uint64 `json:"n,omitempty"`
}

// Tag returns what an Event's From says of the client id: not the id,
// which would let another member join as that client, but a digest of it.
func Tag(client string) string {
	sum := sha256.Sum256([]byte(client))
	return hex.EncodeToString(sum[:8])
}

// String returns the event as the terminal client prints it, with its
// time in the local time zone: "[15:04:05] ann: hello".
func (e Event) String() string {
	s := "[" + e.Time.Local().Format("15:04:05") + "] "
	switch e.Kind {
	case EventMessage:
		return s + e.Name + ": " + e.Text
	case EventJoin:
		return s + e.Name + " joined"
	case EventLeave:
		return s + e.Name + " left"
	}
	return s + "* " + e.Text
}

// JoinRequest is the call a client makes on each new connection.
type JoinRequest struct {
	Room string `json:"room"`
	Name string `json:"name"`
	// Client names the client for as long as it runs, across its
	// connections: a join replaces the same client's older connection,
	// and its messages are deduplicated per client.
	Client string `json:"client"`
	// Epoch and Since are the last event the client has: the server
	// answers with the events after it, or with all it keeps if Epoch is
	// not its own.
	Epoch string `json:"epoch,omitempty"`
	Since uint64 `json:"since,omitempty"`
}

// JoinReply answers JoinRequest.
type JoinReply struct {
	Epoch string `json:"epoch"`
	// Events are the room's events after JoinRequest.Since, oldest first; or,
	// when JoinRequest.Epoch was another, the last the server keeps. The
	// server keeps the last HistoryLimit.
	Events []Event `json:"events"`
	// Members are the names in the room once the joining client is in
	// it, as of event Seq.
	Members []string `json:"members"`
	Seq     uint64   `json:"seq"`
}

// SayRequest is the call that sends a message to the room. The server takes
// each N of a client once: a SayRequest sent again, after a lost connection,
// gets the same answer.
type SayRequest struct {
	N    uint64 `json:"n"`
	Text string `json:"text"`
}

// SayReply answers SayRequest: the message's event number.
type SayReply struct {
	Seq uint64 `json:"seq"`
}

// The limits both sides check.
const (
	// MaxName is the longest name, in characters.
	MaxName = 24
	// MaxRoom is the longest room name, in characters.
	MaxRoom = 32
	// MaxText is the longest message, in characters.
	MaxText = 2000
	// HistoryLimit is how many events of a room the server keeps.
	HistoryLimit = 200
	// ReadLimit is the largest message the client accepts: a JoinReply
	// with a whole history of the longest messages fits.
	ReadLimit = 4 << 20
)

// The codes of the codec.RemoteErrors the server answers with.
const (
	CodeBadName   = "bad_name"
	CodeNameTaken = "name_taken"
	CodeBadRoom   = "bad_room"
	CodeBadText   = "bad_text"
	CodeNotJoined = "not_joined"
)

// ErrInput is in the chain of every error of CheckName, CheckRoom and
// CheckText, whose text is "chat: " and what is wrong; their Reason
// method (status.Explain uses it) says it without the prefix.
var ErrInput = errors.New("chat: bad input")

// inputError is bad input, with words for the person who typed it.
type inputError struct{ reason string }

func (e *inputError) Error() string { return "chat: " + e.reason }

// Reason says what is wrong, for a person: "the name is empty".
func (e *inputError) Reason() string { return e.reason }
func (e *inputError) Unwrap() error  { return ErrInput }

// CheckName returns name without surrounding spaces if it is a valid
// name: 1 to MaxName characters, no control characters.
func CheckName(name string) (string, error) {
	return check("name", name, MaxName, func(r rune) bool { return !unicode.IsControl(r) })
}

// CheckRoom returns room without surrounding spaces if it is a valid
// room name: 1 to MaxRoom letters, digits, '-', '_' or '.'.
func CheckRoom(room string) (string, error) {
	return check("room", room, MaxRoom, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.'
	})
}

// CheckText returns text without surrounding spaces if it can be sent:
// 1 to MaxText characters.
func CheckText(text string) (string, error) {
	return check("message", text, MaxText, func(r rune) bool { return r == '\n' || r == '\t' || !unicode.IsControl(r) })
}

func check(what, s string, limit int, ok func(rune) bool) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return "", &inputError{"the " + what + " is not valid UTF-8"}
	case n == 0:
		return "", &inputError{"the " + what + " is empty"}
	case n > limit:
		return "", &inputError{"the " + what + " is too long: " + strconv.Itoa(n) + " characters, at most " + strconv.Itoa(limit)}
	}
	for _, r := range s {
		if !ok(r) {
			return "", &inputError{"the " + what + " may not contain " + strconv.QuoteRune(r)}
		}
	}
	return s, nil
}

// refused reports whether err is the server's refusal of a join, which
// no retry mends: a bad or taken name, a bad room.
func refused(err error) bool {
	re, ok := errors.AsType[*codec.RemoteError](err)
	return ok && (re.Code == CodeBadName || re.Code == CodeNameTaken || re.Code == CodeBadRoom)
}
