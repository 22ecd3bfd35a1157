//go:build !linux

package trusera

import "os/exec"

// dieWithParent has no portable form outside Linux: there TestMain's cleanup stops the server.
func dieWithParent(*exec.Cmd) {}
