package codec

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// JSON is the Codec of JSON text messages, through encoding/json. Before
// decoding it refuses a message over Limits.MaxSize (ErrTooBig) or nested
// deeper than Limits.MaxDepth (ErrTooDeep), with one cheap pass over the
// bytes, so a hostile message costs neither deep recursion nor much
// memory. The zero value uses the default Limits.
type JSON[T any] struct {
	Limits Limits
}

// MessageType returns client.MessageText.
func (JSON[T]) MessageType() client.MessageType { return client.MessageText }

// Marshal returns the JSON encoding of v.
func (JSON[T]) Marshal(v T) ([]byte, error) {
	p, err := json.Marshal(v)
	if err != nil {
		return nil, errs.Wrap("codec: json", err)
	}
	return p, nil
}

// Unmarshal checks data against the Limits, then decodes it into *v.
// Unknown object keys are ignored, as encoding/json does.
func (c JSON[T]) Unmarshal(data []byte, v *T) error {
	lim := c.Limits.WithDefaults()
	if err := checkJSON(data, lim.MaxDepth, lim); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errs.Wrap("codec: json", err)
	}
	return nil
}

// checkJSON refuses p if it is over lim.MaxSize, or if its arrays and
// objects nest deeper than maxDepth.
func checkJSON(p []byte, maxDepth int, lim Limits) error {
	if err := lim.CheckSize("json", p); err != nil {
		return err
	}
	if jsonDepth(p, maxDepth) > maxDepth {
		return errs.Wrap("codec: json: nested deeper than "+strconv.Itoa(maxDepth), ErrTooDeep)
	}
	return nil
}

// jsonDepth returns the deepest nesting of arrays and objects in p, or
// max+1 as soon as it passes max. p need not be valid JSON: a bracket
// inside a string does not count, and anything else malformed is left
// for the decoder to report.
func jsonDepth(p []byte, max int) int {
	depth, deepest := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '"':
			i = stringEnd(p, i+1)
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return deepest
				}
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// stringEnd returns the index of the quote that ends the JSON string
// whose contents start at p[i], or len(p) if it does not end.
func stringEnd(p []byte, i int) int {
	for {
		q := bytes.IndexByte(p[i:], '"')
		if q < 0 {
			return len(p)
		}
		i += q
		// The quote is escaped if an odd number of backslashes precede it.
		n := 0
		for j := i - 1; j >= 0 && p[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		i++
	}
}

// JSONFormat is the Router's JSON envelope (the default): text messages,
// each one JSON object whose fields are
//
//	"type"   the kind: a message for the handler of that kind, or a call
//	"id"     a call's number (1, 2, ...), which its reply repeats
//	"data"   the payload, any JSON; absent in a reply with nothing to say
//	"error"  in a reply, instead of data: {"code": "...", "message": "..."}
//
// For example:
//
//	{"type":"chat","data":{"text":"hi"}}        a message
//	{"type":"add","id":7,"data":{"a":1,"b":2}}  a call
//	{"id":7,"data":{"sum":3}}                   its reply
//	{"id":7,"error":{"message":"overflow"}}     or an error reply
//
// A reply has an id and no type. Other fields are ignored, so a peer may
// add its own.
type JSONFormat struct{}

// MessageType returns client.MessageText.
func (JSONFormat) MessageType() client.MessageType { return client.MessageText }

type jsonEnvelope struct {
	Type  string          `json:"type"`
	ID    uint64          `json:"id"`
	Data  json.RawMessage `json:"data"`
	Error *RemoteError    `json:"error"`
}

// ParseEnvelope decodes the JSON envelope p.
func (JSONFormat) ParseEnvelope(p []byte, lim Limits) (Envelope, error) {
	// The envelope is one level more than its payload.
	if err := checkJSON(p, lim.MaxDepth+1, lim); err != nil {
		return Envelope{}, err
	}
	var e jsonEnvelope
	if err := json.Unmarshal(p, &e); err != nil {
		return Envelope{}, errs.Wrap("codec: json envelope", err)
	}
	return Envelope{Kind: e.Type, ID: e.ID, Data: e.Data, Err: e.Error}, nil
}

// UnmarshalData decodes an envelope's JSON data into v.
func (JSONFormat) UnmarshalData(data []byte, v any, _ Limits) error {
	// ParseEnvelope has checked the limits of the whole message.
	if err := json.Unmarshal(data, v); err != nil {
		return errs.Wrap("codec: json", err)
	}
	return nil
}

// AppendEnvelope appends e as a JSON object, with data as its "data".
func (JSONFormat) AppendEnvelope(dst []byte, e *Envelope, data any) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '{')
	if e.Kind != "" {
		dst = appendJSONKey(dst, start, `"type":`)
		dst = appendJSONString(dst, e.Kind)
	}
	if e.ID != 0 {
		dst = appendJSONKey(dst, start, `"id":`)
		dst = strconv.AppendUint(dst, e.ID, 10)
	}
	if data != nil {
		p, err := json.Marshal(data)
		if err != nil {
			return dst, errs.Wrap("codec: json", err)
		}
		dst = appendJSONKey(dst, start, `"data":`)
		dst = append(dst, p...)
	}
	if e.Err != nil {
		p, err := json.Marshal(e.Err)
		if err != nil {
			return dst, errs.Wrap("codec: json", err)
		}
		dst = appendJSONKey(dst, start, `"error":`)
		dst = append(dst, p...)
	}
	return append(dst, '}'), nil
}

// appendJSONKey appends key, after a comma unless it is the first key of
// the object that starts at dst[start].
func appendJSONKey(dst []byte, start int, key string) []byte {
	if len(dst) > start+1 {
		dst = append(dst, ',')
	}
	return append(dst, key...)
}

// appendJSONString appends s as a JSON string. s is valid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			p, _ := json.Marshal(s) // a string always marshals
			return append(dst, p...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
