// Package interop holds the tests that prove package client against
// WebSocket servers nobody here wrote: a Node server on the npm package ws
// (node/server.js, pinned by node/package-lock.json) and a Tornado server
// on Debian's python3-tornado (tornado/server.py). The same test file runs
// natively and in headless Chrome.
//
//	make test-interop   # both servers, the tests natively and in Chrome
//
// scripts/interop.sh starts both servers on 127.0.0.1 and hands their
// base URLs to the tests in the variables named by [EnvNodeURL] and
// [EnvTornadoURL]; `make test` runs every package under it. Without them a
// test fails when CI is set, and is skipped otherwise.
//
// Both servers behave the same:
//
//   - /echo echoes every text and binary message as it came, except a text
//     message "close CODE" or "close CODE REASON", after which the server
//     closes with that code and reason. It selects the subprotocol
//     "duplex.v1" when the client offers it, and none otherwise. A
//     connection dialled as /echo?id=ID has the code and reason of its
//     client's close frame recorded under ID.
//   - /closed?id=ID sends one text message, the JSON
//     {"code":CODE,"reason":"REASON"} of what the client of /echo?id=ID
//     sent in its close frame, as soon as that connection has closed, or
//     {"error":"..."} if it has not closed within 5 s; then it closes with
//     1000. Where the client sent no code, or no close frame, ws reports
//     1005 or 1006 and Tornado null.
//
// The Tornado server accepts pages served from loopback: by default
// Tornado refuses a handshake whose Origin is another host or port (403),
// and a browser always sends the page's origin.
package interop

// EnvNodeURL names the environment variable with the Node ws server's base
// URL, such as ws://127.0.0.1:40123.
const EnvNodeURL = "DUPLEX_INTEROP_NODE_URL"

// EnvTornadoURL names the environment variable with the Tornado server's
// base URL.
const EnvTornadoURL = "DUPLEX_INTEROP_TORNADO_URL"
