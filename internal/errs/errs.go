// Package errs builds the library's error messages without fmt: the
// browser build of client, wasm and jsbridge is what every page downloads,
// and fmt (with the reflect it needs) costs a page about 200 KB gzipped.
package errs

// Wrap returns an error that reads msg + ": " + err.Error() and unwraps to
// err, like fmt.Errorf(msg+": %w", err).
func Wrap(msg string, err error) error { return &wrapped{msg: msg, err: err} }

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrapped) Unwrap() error { return e.err }

// Msg returns an error that reads msg and unwraps to err, for a message
// that does not end with err's.
func Msg(msg string, err error) error { return &message{msg: msg, err: err} }

type message struct {
	msg string
	err error
}

func (e *message) Error() string { return e.msg }
func (e *message) Unwrap() error { return e.err }
