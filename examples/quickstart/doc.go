// Package quickstart holds no code: its test follows the README's quick
// start from an empty directory, with the README's own files (each code
// block whose first line is "// File PATH:" or "<!-- File PATH -->"):
// it builds the page and the server, serves them, opens the page in
// headless Chrome and waits for the message exchange, then runs the
// quick start's test natively and in Chrome.
package quickstart
