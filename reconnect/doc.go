// Package reconnect is a WebSocket connection that redials on failure,
// with the same Read/Write surface as client.Conn: a backoff policy, which
// errors and close codes are final, an outbound queue while disconnected,
// state changes a program can watch, a heartbeat to find dead connections,
// and in the browser the online/offline events.
//
// It is written once over package client, so it has no platform-specific
// logic beyond the browser's online/offline signal.
//
// The API lands with the reconnect issue; see DESIGN.md.
package reconnect
