package trusera

import (
	"os"
	"syscall"
	"time"
)

// statusChanged is a file's status change time (a rename sets it), what a claim's age is read from.
func statusChanged(info os.FileInfo) time.Time {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return info.ModTime()
}
