package trusera

// queue is a FIFO of serialized events bounded by count and by bytes. Pushing past either bound
// drops the oldest entries and returns how many were dropped. Not safe for concurrent use: the
// client holds its lock around it.
type queue struct {
	items    [][]byte
	head     int
	bytes    int
	maxItems int
	maxBytes int
}

func (q *queue) len() int { return len(q.items) - q.head }

func (q *queue) push(item []byte) int {
	q.items = append(q.items, item)
	q.bytes += len(item)
	return q.evict()
}

// unshift puts a batch that could not be delivered back at the head, in its order.
func (q *queue) unshift(batch [][]byte) int {
	if q.head >= len(batch) {
		q.head -= len(batch)
		copy(q.items[q.head:], batch)
	} else {
		rest := q.items[q.head:]
		items := make([][]byte, 0, len(batch)+len(rest))
		q.items = append(append(items, batch...), rest...)
		q.head = 0
	}
	for _, b := range batch {
		q.bytes += len(b)
	}
	return q.evict()
}

// take removes up to maxCount events from the head whose sizes add up to at most maxBytes (at least one).
func (q *queue) take(maxCount, maxBytes int) [][]byte {
	var out [][]byte
	size := 0
	for len(out) < maxCount && q.head < len(q.items) {
		next := q.items[q.head]
		if len(out) > 0 && size+len(next) > maxBytes {
			break
		}
		out = append(out, next)
		size += len(next)
		q.items[q.head] = nil
		q.head++
		q.bytes -= len(next)
	}
	q.compact()
	return out
}

func (q *queue) clear() int {
	n := q.len()
	q.items, q.head, q.bytes = nil, 0, 0
	return n
}

func (q *queue) evict() int {
	dropped := 0
	for q.len() > 0 && (q.len() > q.maxItems || q.bytes > q.maxBytes) {
		q.bytes -= len(q.items[q.head])
		q.items[q.head] = nil
		q.head++
		dropped++
	}
	q.compact()
	return dropped
}

func (q *queue) compact() {
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.items) {
		q.items = append([][]byte(nil), q.items[q.head:]...)
		q.head = 0
	}
}
