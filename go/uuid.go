package trusera

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, with a 12-bit counter
// keeping ids made in one millisecond in order, so that events arrive at the server nearly sorted
// (its unique index then grows at its right edge). Random bytes come from crypto/rand, drawn in pools.
var uuidState struct {
	sync.Mutex
	pool    [4096]byte
	offset  int
	lastMs  int64
	counter int
}

func init() { uuidState.offset = len(uuidState.pool) }

func newUUIDv7(now time.Time) string {
	var b [16]byte
	u := &uuidState
	u.Lock()
	if u.offset+10 > len(u.pool) {
		if _, err := rand.Read(u.pool[:]); err != nil {
			panic("trusera: crypto/rand failed: " + err.Error()) // the platform has no CSPRNG
		}
		u.offset = 0
	}
	r := u.pool[u.offset : u.offset+10]
	u.offset += 10
	ms := now.UnixMilli()
	if ms > u.lastMs {
		u.lastMs = ms
		u.counter = (int(r[0])<<4 | int(r[1])>>4) & 0x7ff // random start, room to count up
	} else {
		u.counter++
		if u.counter > 0xfff {
			u.lastMs++ // 4,096 ids in one millisecond: borrow the next one rather than repeat an order
			u.counter = 0
		}
	}
	ms = u.lastMs
	seq := u.counter
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | byte(seq>>8)
	b[7] = byte(seq)
	b[8] = 0x80 | r[2]&0x3f
	copy(b[9:], r[3:10])
	u.Unlock()
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// newIdempotencyKey is a random UUID (version 4) for one batch and all its retries.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
