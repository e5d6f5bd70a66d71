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
// strings brings package unicode's tables). It is written for size too,
// as every page downloads it: a first version that checked hosts
// character by character cost 5.5 KB of gzipped wasm, this one 1.3 KB.
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
// raw does not fit that reading it masks more: in a URL with no "//"
// authority (other than a path from the root), all before the last "@"
// of the part before the query; an authority whose port is not digits
// (a password holding "/", "?" or "#" cut it short), with the path up to
// its last "@". raw need not parse. An "@" in the path of a URL whose
// authority is a host and port stays: both parsers read it as part of
// the path ("/users/@me").
func URL(raw string) string {
	end := indexAny(raw, 0, "?#") // scheme, authority and path end there
	from, to := userInfo(raw[:end])
	out := raw[:from]
	if to > from {
		out += Mask
	}
	out += raw[to:end]
	for i := end; i < len(raw); {
		c := raw[i] // '?' or '&' before a parameter, '#' before the fragment
		next := len(raw)
		if c != '#' {
			next = indexAny(raw, i+1, "&#")
		}
		p := raw[i:next]
		if eq := indexAny(p, 0, "="); c != '#' && eq < len(p) {
			out += p[:eq+1] // the key stays
			p = p[eq:]
		} else {
			out += p[:1]
		}
		if len(p) > 1 {
			out += Mask
		}
		i = next
	}
	return out
}

// userInfo returns where the user info of s (a URL without its query and
// fragment) is, or what is masked in its place: s[from:to].
func userInfo(s string) (from, to int) {
	n := indexAny(s, 0, ":/") + 1 // past the scheme's colon
	if n > len(s) || s[n-1] != ':' {
		n = 0
	}
	if len(s) >= n+2 && s[n:n+2] == "//" {
		from = n + 2
		auth := indexAny(s, from, "/")
		if at := lastIndex(s[:auth], '@'); at >= from {
			return from, at
		}
		if port := lastIndex(s[:auth], ':'); port < from || port < lastIndex(s[:auth], ']') || onlyDigits(s[port+1:auth]) {
			return from, from
		}
		if at := lastIndex(s, '@'); at > auth {
			return from, at
		}
		return from, auth
	}
	// A path from the root, "/a/@b" (relative to the page), has no user
	// info, unless a browser would make it "//": it skips tabs and
	// newlines, and reads "\" as "/".
	if len(s) > 1 && s[0] == '/' && s[1] != '/' && s[1] != '\\' && indexAny(s, 0, "\t\n\r") == len(s) {
		return 0, 0
	}
	if at := lastIndex(s, '@'); at >= 0 {
		return 0, at
	}
	return 0, 0
}

// onlyDigits reports whether s is all ASCII digits.
func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// indexAny returns the index in s, from from on, of the first of chars,
// or len(s).
func indexAny(s string, from int, chars string) int {
	for i := from; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return len(s)
}

// lastIndex returns the index of the last c in s, or -1.
func lastIndex(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
