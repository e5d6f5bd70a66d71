// Package redact takes credentials out of URLs before they reach an error
// message, for package client (both builds), package wasm and package
// reconnect: error text ends up in logs, bug reports and screenshots, and
// a page's WebSocket URL commonly carries a token. A program that needs
// the URL itself has it in a field (client.DialError.URL) or passed it.
//
//	redact.URL("wss://user:pass@host/p?token=abc&room=1#f")
//	// "wss://REDACTED@host/p?token=REDACTED&room=REDACTED#REDACTED"
//
// It scans the text itself, with neither net/url nor strings: the browser
// build may import neither (net/url costs a page about 130 KB gzipped,
// strings brings package unicode's tables).
package redact

// Mask replaces each part of a URL that may be a secret.
const Mask = "REDACTED"

// URL returns raw with its user info, the value of every query parameter
// and its fragment replaced by Mask. Scheme, host, port, path and query
// keys stay, so that the text still says where a dial went.
//
// Every value goes, not only those under names like "token": servers
// name their credentials as they like (access_token, key, sig, auth,
// ticket, X-Amz-Signature...), and no list knows them all. A parameter
// with no "=" is masked whole: a bare "?secret" is a credential too.
//
// It reads raw as RFC 3986 and browsers do (the authority ends at the
// first "/", "?" or "#"; the user info ends at its last "@"), and where
// raw does not fit that reading it masks more: an "@" in a URL with no
// "//" authority masks all before it; an authority that is not a host
// and port is masked (a password holding an unescaped "/", "?" or "#"
// cuts it short), with the path up to its last "@". raw need not parse.
// An "@" in the path of a URL whose authority is a host stays: both
// parsers read it as part of the path ("/users/@me").
func URL(raw string) string {
	rest, frag, hasFrag := cut(raw, '#')
	rest, query, hasQuery := cut(rest, '?')
	out := make([]byte, 0, len(raw)+16)
	out = appendBase(out, rest)
	if hasQuery {
		out = append(out, '?')
		out = appendQuery(out, query)
	}
	if hasFrag {
		out = append(out, '#')
		if frag != "" {
			out = append(out, Mask...)
		}
	}
	return string(out)
}

// appendBase appends scheme, authority and path, without user info.
func appendBase(out []byte, s string) []byte {
	n := schemeLen(s)
	if after := s[n:]; len(after) >= 2 && after[:2] == "//" {
		auth, path := after[2:], ""
		if i := indexByte(auth, '/'); i >= 0 {
			auth, path = auth[:i], auth[i:]
		}
		out = append(out, s[:n+2]...)
		if at := lastIndexByte(auth, '@'); at >= 0 {
			return append(append(append(out, Mask...), auth[at:]...), path...)
		}
		if isHostPort(auth) {
			return append(append(out, auth...), path...)
		}
		// Not a host: a password holding "/", "?" or "#" cut it short.
		if at := lastIndexByte(path, '@'); at >= 0 {
			path = path[at:]
		}
		return append(append(out, Mask...), path...)
	}
	// No authority. A path from the root ("/a/@b", relative to the page)
	// has no user info; anything else with an "@" is not a URL any
	// parser agrees on ("user:pass@host", a leading space, "ws:/\h"):
	// mask all before the "@".
	if len(s) >= 2 && s[0] == '/' && s[1] != '/' && s[1] != '\\' && !hasSpace(s) {
		return append(out, s...)
	}
	if at := lastIndexByte(s, '@'); at >= 0 {
		return append(append(out, Mask...), s[at:]...)
	}
	return append(out, s...)
}

// appendQuery appends q with every value masked; keys stay.
func appendQuery(out []byte, q string) []byte {
	for {
		param, more, found := cut(q, '&')
		if key, value, ok := cut(param, '='); ok {
			out = append(append(out, key...), '=')
			if value != "" {
				out = append(out, Mask...)
			}
		} else if param != "" {
			out = append(out, Mask...)
		}
		if !found {
			return out
		}
		out = append(out, '&')
		q = more
	}
}

// schemeLen returns the length of s's scheme with its colon, 0 if s has
// none: a letter, then letters, digits, "+", "-" or ".", then ":".
func schemeLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// isHostPort reports whether auth is a host, a name or an IP address
// (IPv6 in brackets), with an optional port of digits.
func isHostPort(auth string) bool {
	host, port := auth, ""
	if len(auth) > 0 && auth[0] == '[' {
		end := indexByte(auth, ']')
		if end < 0 {
			return false
		}
		for i := 1; i < end; i++ {
			if c := auth[i]; !isAlnum(c) && c != ':' && c != '.' && c != '%' && c != '-' && c != '_' && c != '~' {
				return false
			}
		}
		host, port = "", auth[end+1:]
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
		}
	} else if i := lastIndexByte(auth, ':'); i >= 0 {
		host, port = auth[:i], auth[i+1:]
	}
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case isAlnum(c), c >= 0x80: // and the UTF-8 of a name like bücher.de
		case c == '.', c == '-', c == '_', c == '~', c == '%':
		case c == '!', c == '$', c == '&', c == '\'', c == '(', c == ')',
			c == '*', c == '+', c == ',', c == ';', c == '=':
		default:
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if c := port[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// hasSpace reports whether s holds a space or control character, which
// browsers strip or skip before they parse.
func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// cut is strings.Cut for a byte.
func cut(s string, sep byte) (before, after string, found bool) {
	if i := indexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
