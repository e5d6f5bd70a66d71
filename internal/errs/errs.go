// Package errs builds the library's error messages without fmt: the
// browser build of client, wasm, jsbridge and codec is what every page
// downloads, and fmt (with the reflect it needs) costs a page about 200 KB
// gzipped.
package errs

import "context"

// Wrap returns an error that reads msg + ": " + err.Error() and unwraps to
// err, like fmt.Errorf(msg+": %w", err).
//
// Wrap and Msg are not inlined: their allocation, copied into each of
// some forty callers, cost every page about 1 KB gzipped.
//
//go:noinline
func Wrap(msg string, err error) error { return &wrapped{msg: msg, err: err} }

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrapped) Unwrap() error { return e.err }

// Msg returns an error that reads msg and unwraps to err, for a message
// that does not end with err's.
//
//go:noinline
func Msg(msg string, err error) error { return &message{msg: msg, err: err} }

type message struct {
	msg string
	err error
}

func (e *message) Error() string { return e.msg }
func (e *message) Unwrap() error { return e.err }

// Join returns an error that reads msg and unwraps to all of errs, like
// fmt.Errorf with several %w verbs: errors.Is and errors.As find each of
// them.
func Join(msg string, errs ...error) error { return &joined{msg: msg, errs: errs} }

type joined struct {
	msg  string
	errs []error
}

func (e *joined) Error() string   { return e.msg }
func (e *joined) Unwrap() []error { return e.errs }

// prefixKey is the key of WithPrefix's value.
type prefixKey struct{}

// WithPrefix returns ctx carrying prefix, such as "client: ", for the
// errors of what is dialled with it: package client's browser transport
// dials through package wasm with its own prefix, so that wasm's errors
// read as client's on their first word, composed so, never rewritten.
func WithPrefix(ctx context.Context, prefix string) context.Context {
	return context.WithValue(ctx, prefixKey{}, prefix)
}

// Prefix returns the prefix ctx carries (WithPrefix), or def.
func Prefix(ctx context.Context, def string) string {
	if p, ok := ctx.Value(prefixKey{}).(string); ok {
		return p
	}
	return def
}
