//go:build js && wasm

package jsbridge

import (
	"syscall/js"
)

// Error is a JavaScript exception, or a Promise's rejection reason, as a Go
// error. Match it with errors.As and branch on Name.
type Error struct {
	// Name is the exception's name, such as "SyntaxError", "TypeError",
	// "InvalidAccessError" or "AbortError"; empty when the thrown value was
	// not an Error object.
	Name string
	// Message is the exception's message, or the thrown value as a string.
	Message string
	// Value is the thrown value itself.
	Value js.Value
}

// Error returns "jsbridge: Name: Message".
func (e *Error) Error() string {
	if e.Name == "" {
		return "jsbridge: " + e.Message
	}
	return "jsbridge: " + e.Name + ": " + e.Message
}

// errorOf turns a thrown value or a rejection reason into an *Error.
func errorOf(v js.Value) *Error {
	e := &Error{Value: v}
	if v.Type() == js.TypeObject {
		name, message := v.Get("name"), v.Get("message")
		if name.Type() == js.TypeString && message.Type() == js.TypeString {
			e.Name, e.Message = name.String(), message.String()
			return e
		}
	}
	// Not an Error object: a string, a number, undefined, a plain object.
	e.Message = js.Global().Call("String", v).String()
	return e
}

// Try calls fn and returns, as an error, what a syscall/js call in it
// panicked with because of what JavaScript holds: a thrown exception
// becomes an *Error; a *js.ValueError (a method used on a value of the
// wrong type, such as Get on undefined) is wrapped; so is syscall/js's
// "Value.Call: property … is not a function", as an *Error named
// "TypeError", as JavaScript would have thrown. Any other panic is a Go bug
// and is re-panicked.
func Try(fn func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case js.Error:
			err = errorOf(r.Value)
		case *js.ValueError:
			err = &wrapError{msg: "jsbridge: " + r.Error(), err: r}
		case string:
			if msg, ok := cutPrefix(r, "syscall/js: Value.Call: "); ok {
				err = &Error{Name: "TypeError", Message: msg, Value: js.Undefined()}
				return
			}
			panic(r)
		default:
			panic(r)
		}
	}()
	fn()
	return nil
}

// Call calls v's method with args, returning what it throws as an error.
func Call(v js.Value, method string, args ...any) (js.Value, error) {
	var out js.Value
	err := Try(func() { out = v.Call(method, args...) })
	return out, err
}

// New calls the constructor with args, as JavaScript's new does, returning
// what it throws as an error.
func New(constructor js.Value, args ...any) (js.Value, error) {
	var out js.Value
	err := Try(func() { out = constructor.New(args...) })
	return out, err
}

// Get returns v's property, or an error if v is not an object (undefined,
// null) or the property's getter throws.
func Get(v js.Value, property string) (js.Value, error) {
	var out js.Value
	err := Try(func() { out = v.Get(property) })
	return out, err
}

// wrapError is an error with its own message that unwraps to err: what
// fmt.Errorf with %w makes, without fmt, which costs every page about
// 200 KB gzipped.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// cutPrefix is strings.CutPrefix: package strings brings package unicode's
// tables into every page.
func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}
