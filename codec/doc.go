// Package codec sends and receives typed messages over any connection with
// the message Read/Write surface (client.Conn, reconnect.Conn): JSON, a
// compact binary format for structs, encoding.BinaryMarshaler types, raw
// text and bytes, and routing of several message kinds on one socket.
//
// A message that does not decode is an error for that message only; the
// connection stays open.
//
// The API lands with the codec issue; see DESIGN.md.
package codec
