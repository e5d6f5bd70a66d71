package harness

// This file has no build tag: its names are shared with browser tests,
// which decode the harness's JSON and find the harness through EnvURL.

import (
	"encoding/binary"
	"strconv"
)

// EnvURL names the environment variable in which `wsharness run` hands the
// harness's base URL (such as http://127.0.0.1:40123) to the command it
// runs.
const EnvURL = "DUPLEX_HARNESS_URL"

// Stats is what the harness has seen, for one connection tag (the id query
// parameter) or for every connection. /stats?id=X serves it as JSON.
type Stats struct {
	// Handshakes counts WebSocket handshakes completed.
	Handshakes int64 `json:"handshakes"`
	// Refused counts handshakes refused: by /reject, for a refused origin,
	// or for a query parameter that did not parse.
	Refused int64 `json:"refused"`
	// Open counts the connections open now.
	Open int64 `json:"open"`
	// MessagesReceived and MessagesSent count whole data messages.
	MessagesReceived int64 `json:"messages_received"`
	MessagesSent     int64 `json:"messages_sent"`
	// BytesReceived and BytesSent count message payload bytes.
	BytesReceived int64 `json:"bytes_received"`
	BytesSent     int64 `json:"bytes_sent"`
	// Conns lists the connections with this tag, oldest first; at most
	// [MaxConnStats] of the newest are kept. It is empty for the untagged
	// totals.
	Conns []ConnStats `json:"conns,omitempty"`
}

// MaxConnStats is how many connections [Stats.Conns] keeps per tag.
const MaxConnStats = 256

// MaxIdleIDs is how many ids with no open connection the harness keeps
// the stats of: those used most recently, where a handshake (refused or
// not), a message, the end of a connection and a [Harness.Stats] read
// (/stats?id=) each use an id. An older idle id is forgotten: its stats
// read as zero, and fail=N counts its refusals from 0 again. An id with an
// open connection is never forgotten. So a harness that serves a long
// test run holds the stats of at most this many idle ids (and
// [MaxConnStats] connections for each), and a test can read its id's
// stats after its connections have closed as long as fewer than
// MaxIdleIDs other ids have been used since.
const MaxIdleIDs = 1024

// ConnStats describes one connection.
type ConnStats struct {
	// Path is the scenario, such as "/echo".
	Path string `json:"path"`
	// Subprotocol and Extensions are what the handshake negotiated.
	Subprotocol string `json:"subprotocol"`
	Extensions  string `json:"extensions"`
	// Open reports whether the connection is still open.
	Open             bool  `json:"open"`
	MessagesReceived int64 `json:"messages_received"`
	MessagesSent     int64 `json:"messages_sent"`
	// ClientCloseCode is the status code of the close frame the client
	// sent: 0 if it sent none (yet), 1005 if its close frame had no code.
	// The hostile scenarios record a code as sent, even one no peer may
	// send.
	ClientCloseCode int `json:"client_close_code"`
	// ClientCloseReason is the reason in that close frame.
	ClientCloseReason string `json:"client_close_reason"`
}

// ConnInfo is the first message of /echo?info=1: what the server saw of the
// handshake.
type ConnInfo struct {
	Subprotocol string              `json:"subprotocol"`
	Extensions  string              `json:"extensions"`
	Origin      string              `json:"origin"`
	Header      map[string][]string `json:"header"`
}

// Tick is the JSON text message /clock sends.
type Tick struct {
	// Seq counts ticks on this connection from 1.
	Seq int64 `json:"seq"`
	// Time is the server's clock, RFC 3339 with nanoseconds.
	Time string `json:"time"`
}

// FloodMessage returns message number seq (from 1) of a /flood of size
// bytes. A binary message holds seq big-endian in its first 8 bytes (in
// all of them when size < 8, keeping the low-order bytes) and zeros after.
// A text message is seq in decimal, padded with '.' to size bytes (longer
// than size when the number does not fit).
func FloodMessage(seq uint64, size int, text bool) []byte {
	if text {
		b := strconv.AppendUint(make([]byte, 0, max(size, 20)), seq, 10)
		for len(b) < size {
			b = append(b, '.')
		}
		return b
	}
	b := make([]byte, size)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	if size >= 8 {
		copy(b, n[:])
	} else {
		copy(b, n[8-size:])
	}
	return b
}

// FloodSeq returns the sequence number carried by a message that
// [FloodMessage] made. It reports false when data holds none.
func FloodSeq(data []byte, text bool) (uint64, bool) {
	if text {
		i := 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		n, err := strconv.ParseUint(string(data[:i]), 10, 64)
		return n, err == nil
	}
	if len(data) == 0 {
		return 0, false
	}
	var n [8]byte
	if len(data) >= 8 {
		copy(n[:], data[:8])
	} else {
		copy(n[8-len(data):], data)
	}
	return binary.BigEndian.Uint64(n[:]), true
}
