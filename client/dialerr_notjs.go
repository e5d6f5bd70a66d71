//go:build !js

package client

import (
	"errors"
	"net/url"
	"strings"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

// notURL is the error for raw, which url.Parse refused with err: it
// names raw with its credentials masked. url.Parse's own text quotes raw
// whole, and some of its details quote a piece of it (an "invalid port"
// can be the start of a password that holds a "/"), so only details that
// quote nothing are kept; err stays in the chain for errors.As.
func notURL(msg, raw string, err error) error {
	msg += redact.URL(raw) + ": not a valid URL"
	if ue, ok := errors.AsType[*url.Error](err); ok {
		switch ue.Err.(type) {
		case url.EscapeError:
			msg += ": an invalid percent-escape"
		case url.InvalidHostError:
			msg += ": an invalid character in the host"
		default:
			if d := ue.Err.Error(); !strings.Contains(d, `"`) {
				msg += ": " + d
			}
		}
	}
	return errs.Msg(msg, err)
}

// dialCause is what a failed handshake request came to: coder/websocket
// wraps net/http's *url.Error, whose text repeats the URL (with its query,
// token and all) after coder's own words; its cause says what failed
// (dial tcp ...: connection refused; a certificate; the proxy).
func dialCause(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
