package trusera

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// The disk spool of docs/spool.md (format version 1, shared with the TypeScript and Python SDKs):
// batches that could not be delivered wait on disk, one file each, for the next client with the
// same server and API key, which sends them with their stored Idempotency-Key.

var (
	batchName = regexp.MustCompile(`^\d{13}-\d{8}-\d+-[0-9a-f]{8}\.batch$`)
	claimName = regexp.MustCompile(`^(\d{13}-\d{8}-\d+-[0-9a-f]{8}\.batch)\.claim-(\d+)-[0-9a-f]{8}$`)
	spoolSeq  atomic.Int64
)

// claimStale: a claim whose holder still lives is taken over after this long anyway.
const claimStale = 10 * time.Minute

type spool struct {
	dir      string
	maxBytes int64
	maxFiles int
}

// defaultSpoolRoot: $TRUSERA_SPOOL_DIR, else ~/.trusera/spool ("" when there is no home either).
func defaultSpoolRoot() string {
	if d := os.Getenv("TRUSERA_SPOOL_DIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err == nil {
			return abs
		}
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".trusera", "spool")
}

// spoolPartition names the spool of one server and key without writing the key.
func spoolPartition(baseURL, apiKey string) string {
	sum := sha256.Sum256([]byte(baseURL + "\n" + apiKey))
	return hex.EncodeToString(sum[:])[:32]
}

func randomHex4() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type spoolFile struct {
	Version        int               `json:"version"`
	IdempotencyKey string            `json:"idempotency_key"`
	CreatedAt      string            `json:"created_at"`
	Dropped        int               `json:"dropped"`
	Count          int               `json:"count"`
	Events         []json.RawMessage `json:"events"`
}

// write stores one batch; an error says why it was not (full, or the disk refused).
func (s *spool) write(events [][]byte, idempotencyKey string, dropped int) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	var body bytes.Buffer
	body.WriteString(`{"version":1,"idempotency_key":`)
	body.Write(appendJSONString(nil, idempotencyKey))
	body.WriteString(`,"created_at":`)
	body.Write(appendJSONString(nil, isoTime(time.Now())))
	body.WriteString(`,"dropped":` + strconv.Itoa(dropped) + `,"count":` + strconv.Itoa(len(events)) + `,"events":[`)
	for i, e := range events {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(e)
	}
	body.WriteString("]}\n")
	files, size := s.usage()
	if files+1 > s.maxFiles || size+int64(body.Len()) > s.maxBytes {
		return fmt.Errorf("the spool %s is full (%d files, %d bytes)", s.dir, files, size)
	}
	name := fmt.Sprintf("%013d-%08d-%d-%s.batch", time.Now().UnixMilli(), spoolSeq.Add(1)%100_000_000, os.Getpid(), randomHex4())
	tmp := filepath.Join(s.dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(body.Bytes()); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(s.dir, name))
}

// usage counts the batches (claimed ones included) and their bytes.
func (s *spool) usage() (int, int64) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, 0
	}
	files, size := 0, int64(0)
	for _, e := range entries {
		n := e.Name()
		if batchName.MatchString(n) || claimName.MatchString(n) {
			if info, err := e.Info(); err == nil {
				files++
				size += info.Size()
			}
		}
	}
	return files, size
}

// spooledBatch is a batch claimed by this process: send it, then done() or release().
type spooledBatch struct {
	file     spoolFile
	events   [][]byte
	name     string // the batch's own name
	claimed  string // the path it is held under
	dir      string
	released bool
}

func (b *spooledBatch) done()    { _ = os.Remove(b.claimed) }
func (b *spooledBatch) release() { _ = os.Rename(b.claimed, filepath.Join(b.dir, b.name)) }

// take claims the oldest batch (taking over claims of dead or stale holders); nil when none.
func (s *spool) take() *spooledBatch {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil
	}
	type candidate struct{ name, path string }
	var list []candidate
	for _, e := range entries {
		n := e.Name()
		if batchName.MatchString(n) {
			list = append(list, candidate{n, filepath.Join(s.dir, n)})
		} else if m := claimName.FindStringSubmatch(n); m != nil && claimAbandoned(filepath.Join(s.dir, n), m[2]) {
			list = append(list, candidate{m[1], filepath.Join(s.dir, n)})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	for _, c := range list {
		claimed := filepath.Join(s.dir, fmt.Sprintf("%s.claim-%d-%s", c.name, os.Getpid(), randomHex4()))
		if os.Rename(c.path, claimed) != nil {
			continue // another client took it first
		}
		now := time.Now()
		_ = os.Chtimes(claimed, now, now) // where the status change time is not read, the claim's age
		raw, err := os.ReadFile(claimed)
		var f spoolFile
		if err == nil {
			err = json.Unmarshal(raw, &f)
		}
		if err != nil || f.Version != 1 || f.IdempotencyKey == "" {
			_ = os.Rename(claimed, filepath.Join(s.dir, c.name+".unreadable"))
			continue
		}
		events := make([][]byte, len(f.Events))
		for i, e := range f.Events {
			events[i] = e
		}
		return &spooledBatch{file: f, events: events, name: c.name, claimed: claimed, dir: s.dir}
	}
	return nil
}

// claimAbandoned: the holder's process is gone, or the claim is older than claimStale.
func claimAbandoned(path, pidText string) bool {
	if pid, err := strconv.Atoi(pidText); err == nil && pid > 0 && processGone(pid) {
		return true
	}
	info, err := os.Stat(path)
	return err == nil && time.Since(statusChanged(info)) > claimStale
}
