//go:build !js

package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADME: the README shows this program as it is.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Errorf("README.md does not show examples/chat/hello/main.go as it is: copy the file into its Go block")
	}
}
