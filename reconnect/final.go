package reconnect

import (
	"errors"
	"time"

	"github.com/duplex-go/duplex/client"
)

// Which failures end a Conn, and what a server says of when to come back.

// DefaultFinal is the Final of Options that leave it nil. These
// failures are final, since dialling again would meet them again:
//   - a handshake refused with an HTTP 4xx status other than 408 and 429,
//     or redirected (natively only: browsers hide the status, so there
//     refusals are retried like a server that is down, and GiveUpAfter
//     is what bounds them);
//   - a close by the server with 1002 (protocol error), 1003 (unsupported
//     data), 1007 (invalid data), 1008 (policy violation) or 1010
//     (mandatory extension);
//   - in the browser, a dial the page itself refused before connecting:
//     a ws:// URL from an https page (client.ErrMixedContent), a URL the
//     page's Content Security Policy does not allow
//     (client.ErrBlockedByCSP).
//
// Everything else is retried: network errors, 5xx, 408 and 429, closes
// with 1000, 1001, 1006, 1009 and 1011-1015 and 3000-4999,
// ErrHeartbeatTimeout, and a received message over the read limit
// (client.ErrMessageTooBig). One message too big, received or sent (the
// server closes with 1009), is a fault of that message, not of every
// connection to come: it ends its connection, and the Conn goes on with
// the next, without it. (Options.Dial.ReadLimit and Conn.SetReadLimit
// raise the limit.)
// What the server says of when to come back is honoured, up to the
// backoff's cap (Exponential's Max, or DefaultMaxDelay: see
// Options.Backoff), and spread over half of it again so that its clients
// do not all come back at once:
//   - a refusal's Retry-After (natively: browsers hide the header);
//   - "retry-after=N" in a close's reason, N seconds (a word of its own,
//     in any case): on both platforms, since it is the only way a server
//     can tell a page when to come back;
//   - 1013 (try again later) without one: at least DefaultTryAgainDelay
//     (5 s).
//
// A close with 1001 (going away) or 1012 (service restart) is not even a
// failure: see Options.RestartWindow.
func DefaultFinal(err error) bool {
	if errors.Is(err, client.ErrMixedContent) || errors.Is(err, client.ErrBlockedByCSP) {
		return true
	}
	if de, ok := errors.AsType[*client.DialError](err); ok {
		s := de.StatusCode
		return s >= 300 && s < 500 && s != 408 && s != 429
	}
	if ce, ok := errors.AsType[*client.CloseError](err); ok {
		switch ce.Code {
		case client.StatusProtocolError, client.StatusUnsupportedData,
			client.StatusInvalidFramePayloadData, client.StatusPolicyViolation,
			client.StatusMandatoryExtension:
			return true
		}
	}
	return false
}

// hint returns the wait the server asked for with err, 0 if none: the
// Retry-After of a refused handshake (natively: browsers hide it), a
// retry-after=N in the reason of its close (see DefaultFinal), or for a
// close with 1013 (try again later) without one, DefaultTryAgainDelay.
func hint(err error) time.Duration {
	if de, ok := errors.AsType[*client.DialError](err); ok {
		return de.RetryAfter
	}
	if ce, ok := errors.AsType[*client.CloseError](err); ok {
		if h := reasonHint(ce.Reason); h > 0 {
			return h
		}
		if ce.Code == client.StatusTryAgainLater {
			return DefaultTryAgainDelay
		}
	}
	return 0
}

// reasonHint returns N seconds for the first "retry-after=N" in reason
// (a word of its own, in any case, N decimal digits), 0 if none. N
// saturates at a billion seconds: the backoff's cap bounds the wait
// anyway. (By hand: package strings would bring package unicode's tables
// to every page.)
func reasonHint(reason string) time.Duration {
	const key = "retry-after="
	for i := 0; i+len(key) < len(reason); i++ {
		if i > 0 && wordByte(reason[i-1]) {
			continue
		}
		k := 0
		for k < len(key) && reason[i+k]|0x20 == key[k]|0x20 {
			k++
		}
		if k < len(key) {
			continue
		}
		n, j := int64(0), i+k
		for ; j < len(reason) && '0' <= reason[j] && reason[j] <= '9'; j++ {
			n = min(n*10+int64(reason[j]-'0'), 1e9)
		}
		// Not 5s, nor 5.5, but "5." at the end of a sentence.
		if j > i+k && (j == len(reason) || !wordByte(reason[j]) &&
			!(reason[j] == '.' && j+1 < len(reason) && '0' <= reason[j+1] && reason[j+1] <= '9')) {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

func wordByte(b byte) bool {
	b |= 0x20
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_'
}

// restarting reports whether err is a close by which the server says it
// goes away or restarts (1001, 1012): not a failure of the connection.
func restarting(err error) bool {
	ce, ok := errors.AsType[*client.CloseError](err)
	return ok && (ce.Code == client.StatusGoingAway || ce.Code == client.StatusServiceRestart)
}
