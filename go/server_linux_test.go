package trusera

import (
	"os/exec"
	"syscall"
)

// dieWithParent: the server process is killed when the test binary dies, even by a panic that
// skips TestMain's cleanup.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
