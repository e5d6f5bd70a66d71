package redact_test

// This file has no build tag: the same tests run natively and in headless
// Chrome.

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/duplex-go/duplex/internal/redact"
)

// secret marks what must never reach the output, in every input below.
const secret = "S3CR3T"

var tests = []struct{ name, in, want string }{
	{"plain", "ws://127.0.0.1:8080/echo", "ws://127.0.0.1:8080/echo"},
	{"user info and query", "wss://user:S3CR3T@host/p?token=S3CR3T&room=1", "wss://REDACTED@host/p?token=REDACTED&room=REDACTED"},
	{"user only", "ws://S3CR3T@host/", "ws://REDACTED@host/"},
	{"empty password", "ws://S3CR3T:@host/", "ws://REDACTED@host/"},
	{"empty user info", "ws://@host/", "ws://@host/"},
	{"fragment", "ws://host/p#S3CR3T", "ws://host/p#REDACTED"},
	{"empty fragment", "ws://host/p#", "ws://host/p#"},
	{"fragment with user info and query", "ws://u:S3CR3T@h/p?a=S3CR3T#S3CR3T", "ws://REDACTED@h/p?a=REDACTED#REDACTED"},
	{"@ in the path", "ws://host/users/@me", "ws://host/users/@me"},
	{"@ in the path, a port", "ws://host:8080/users/@me", "ws://host:8080/users/@me"},
	{"@ in the path and user info", "ws://u:S3CR3T@host/a@b", "ws://REDACTED@host/a@b"},
	{"@ in a query value", "ws://host?next=u:S3CR3T@h", "ws://host?next=REDACTED"},
	{"@ in the password", "ws://u:S3@CR3T@host/", "ws://REDACTED@host/"},
	{"percent-encoding", "ws://us%40er:S3CR3T%40x@host/p%20q?to%6Ben=S3CR3T%26b", "ws://REDACTED@host/p%20q?to%6Ben=REDACTED"},
	{"IPv6", "ws://[::1]:8080/p?token=S3CR3T", "ws://[::1]:8080/p?token=REDACTED"},
	{"IPv6 without a port, @ in the path", "ws://[::1]/@me?k=S3CR3T", "ws://[::1]/@me?k=REDACTED"},
	{"IPv6 with zone and user info", "ws://u:S3CR3T@[fe80::1%25en0]:80/", "ws://REDACTED@[fe80::1%25en0]:80/"},
	{"international host", "ws://bücher.de/p?k=S3CR3T", "ws://bücher.de/p?k=REDACTED"},
	{"bare parameter", "ws://host/?S3CR3T", "ws://host/?REDACTED"},
	{"empty values and parameters", "ws://host/?a=&&S3CR3T&b=", "ws://host/?a=&&REDACTED&b="},
	{"semicolon", "ws://h/?a=1;token=S3CR3T", "ws://h/?a=REDACTED"},
	{"empty query", "ws://h/p?", "ws://h/p?"},
	{"other scheme", "ftp://u:S3CR3T@127.0.0.1/x", "ftp://REDACTED@127.0.0.1/x"},
	{"no scheme", "user:S3CR3T@host/p", "REDACTED@host/p"},
	{"no scheme, an authority", "//u:S3CR3T@host/p", "//REDACTED@host/p"},
	{"relative path", "/chat/@room?token=S3CR3T", "/chat/@room?token=REDACTED"},
	{"relative name", "chat?token=S3CR3T", "chat?token=REDACTED"},
	{"empty", "", ""},

	// Malformed, most of them refused by url.Parse or by browsers: masked
	// the more.
	{"password with a slash", "ws://user:S3/CR3T@host/p", "ws://REDACTED@host/p"},
	{"password with a hash", "ws://user:S3#CR3T@host/p", "ws://REDACTED#REDACTED"},
	{"password with a question mark", "ws://user:S3?CR3T@host/p", "ws://REDACTED?REDACTED"},
	{"bad port", "ws://u:S3CR3T@host:port/?token=S3CR3T", "ws://REDACTED@host:port/?token=REDACTED"},
	{"bad port, no user info", "ws://S3CR3T:x/p", "ws://REDACTED/p"},
	{"bad escape", "ws://host/%zz?token=S3CR3T", "ws://host/%zz?token=REDACTED"},
	{"unclosed IPv6", "ws://[::1/p?token=S3CR3T", "ws://[::1/p?token=REDACTED"},
	{"leading space", " ws://u:S3CR3T@h/", " ws://REDACTED@h/"},
	{"newline in user info", "ws://u:S3CR3T\n@h/", "ws://REDACTED@h/"},
	{"tab before a slash", "ws://u:S3CR3T\t/x@h/", "ws://REDACTED@h/"},
	{"no slashes", "ws:u:S3CR3T@h/", "REDACTED@h/"},
	{"backslashes", `ws:\\u:S3CR3T@h/`, "REDACTED@h/"},
	{"slash and backslash, relative", `/\u:S3CR3T@h/`, "REDACTED@h/"},
	{"backslash in the authority", `ws://h\u:S3CR3T@x/`, "ws://REDACTED@x/"},
}

func TestURL(t *testing.T) {
	t.Parallel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redact.URL(tt.in)
			assert.Equal(t, tt.want, got, "URL(%q)", tt.in)
			assert.NotContains(t, got, secret, "URL(%q)", tt.in)
		})
	}
}

// FuzzURL: whatever net/url reads as user info, a query value or the
// fragment never reaches the output, unless it is also in what is kept
// (scheme, host, path, query keys).
func FuzzURL(f *testing.F) {
	for _, tt := range tests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := redact.URL(raw)
		u, err := url.Parse(raw)
		if err != nil {
			return // the table covers what does not parse
		}
		hidden := []string{u.User.String(), u.Fragment, u.RawFragment}
		kept := []string{u.Scheme, u.Host, u.Path, u.RawPath, u.Opaque}
		for param := range strings.SplitSeq(u.RawQuery, "&") {
			key, value, ok := strings.Cut(param, "=")
			if !ok {
				hidden = append(hidden, param)
				continue
			}
			kept = append(kept, key)
			hidden = append(hidden, value)
		}
		for _, h := range hidden {
			if !strings.Contains(h, secret) {
				continue
			}
			for _, k := range kept {
				if strings.Contains(k, secret) {
					return
				}
			}
			assert.NotContains(t, out, secret, "URL(%q): %q is hidden", raw, h)
		}
	})
}
