package trusera

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// examples/go is a runnable agent: it must build and do what its README says against a real server.
func TestExampleAgentRuns(t *testing.T) {
	s := realServer(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("integration test skipped: no go on PATH to run examples/go with")
	}
	cmd := exec.Command(goBin, "run", ".")
	cmd.Dir = filepath.Join("..", "examples", "go")
	cmd.Env = append(os.Environ(), "TRUSERA_API_KEY="+s.apiKey, "TRUSERA_API_URL="+s.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run examples/go: %v\n%s", err, out)
	}
	for _, want := range []string{"allowed: GET /tools/search -> 200", "blocked: DELETE /tools/records/7 by [read-only-tools]",
		"blocked: GET /tools/exfiltrate by [block-pattern-0]", "reported 6 events"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if n := len(s.events(t, "go-agent")); n < 6 {
		t.Fatalf("the server has %d events of go-agent", n)
	}
}
