package trusera

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// A real trusera-server process (packages/server/dist/cli.js) on a loopback port, shared by the
// integration tests of this package; started on first use, stopped by TestMain.
type testServer struct {
	url     string
	apiKey  string
	dataDir string
	cmd     *exec.Cmd
}

var (
	serverOnce sync.Once
	shared     *testServer
	serverErr  string
)

func TestMain(m *testing.M) {
	// The disk spool of every client made by a test goes to a scratch directory, never to ~.
	scratch, err := os.MkdirTemp("", "trusera-go-spool-")
	if err != nil {
		panic(err)
	}
	os.Setenv("TRUSERA_SPOOL_DIR", scratch)
	code := m.Run()
	_ = os.RemoveAll(scratch)
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// realServer gives the shared server, or skips the test with the reason when node or the built
// server is absent.
func realServer(t *testing.T) *testServer {
	t.Helper()
	serverOnce.Do(func() { shared, serverErr = startServer() })
	if shared == nil {
		t.Skip("integration test skipped: " + serverErr)
	}
	return shared
}

func startServer() (*testServer, string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "node is not on PATH"
	}
	cli, _ := filepath.Abs(filepath.Join("..", "packages", "server", "dist", "cli.js"))
	if _, err := os.Stat(cli); err != nil {
		return nil, cli + " is missing (run npm run build)"
	}
	dir, err := os.MkdirTemp("", "trusera-go-test-")
	if err != nil {
		return nil, err.Error()
	}
	cmd := exec.Command(node, cli, "start", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "TRUSERA_LOG_LEVEL=warn")
	dieWithParent(cmd)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err.Error()
	}
	found := make(chan string, 1)
	var seen bytes.Buffer
	var seenMu sync.Mutex
	go func() {
		listening := regexp.MustCompile(`trusera-server listening on (http://\S+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			seenMu.Lock()
			seen.WriteString(sc.Text() + "\n")
			seenMu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		key, err := os.ReadFile(filepath.Join(dir, "api-key"))
		if err != nil {
			_ = cmd.Process.Kill()
			return nil, "no api-key file: " + err.Error()
		}
		return &testServer{url: u, apiKey: strings.TrimSpace(string(key)), dataDir: dir, cmd: cmd}, ""
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		seenMu.Lock()
		defer seenMu.Unlock()
		panic("trusera-server did not start within 30s:\n" + seen.String())
	}
}

func (s *testServer) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	_ = os.RemoveAll(s.dataDir)
}

// api calls the server with the admin key and decodes the JSON answer.
func (s *testServer) api(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(marshalJSON(body))
	}
	req, _ := http.NewRequest(method, s.url+path, reader)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Transport: newPrivateTransport(), Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// events lists the stored events of one agent (newest first), up to 500.
func (s *testServer) events(t *testing.T, agent string) []map[string]any {
	t.Helper()
	status, body := s.api(t, "GET", fmt.Sprintf("/api/v1/events?agent_id=%s&limit=500", agent), nil)
	if status != 200 {
		t.Fatalf("list events: %d %v", status, body)
	}
	raw, _ := body["events"].([]any)
	if raw == nil {
		raw, _ = body["data"].([]any)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		out = append(out, e.(map[string]any))
	}
	return out
}

// uniqueAgent is an agent name no other test uses, so that tests can share one server.
func uniqueAgent(t *testing.T) string {
	return strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")) + "-" + newUUIDv7(time.Now())[24:]
}
