//go:build unix

package trusera

import (
	"errors"
	"syscall"
)

// processGone: no process has this id (kill(pid, 0) fails with ESRCH).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
