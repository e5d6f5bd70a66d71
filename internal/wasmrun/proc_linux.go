//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// setProcAttr starts the browser in a process group of its own, which
// killGroup ends, and has Linux kill it if wasmrun dies first (go test
// kills its -exec program when a test times out).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
