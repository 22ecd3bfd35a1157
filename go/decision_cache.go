package trusera

import "sync"

// verdict is how the active policy set answered one call.
type verdict struct {
	decision  string // "allow" or "deny"
	policyIDs []string
	reasons   []string // why a deny, in words
}

// decisionCache remembers decisions for one policy generation. Exact: a Cedar decision is a pure
// function of the request and the policy set, the key holds every input the request is built from
// (principal, method, redacted URL, sorted header names), and everything is dropped when the
// generation changes. Bounded by two maps used in turn: when the young one is full it becomes the
// old one, and a hit in the old one moves to the young one; so entries in use are kept.
type decisionCache struct {
	mu         sync.Mutex
	max        int
	generation uint64
	young, old map[string]*verdict
}

func newDecisionCache(size int) *decisionCache {
	if size == 0 {
		size = 1024
	}
	if size < 0 {
		size = 0
	}
	return &decisionCache{max: size}
}

func (c *decisionCache) get(generation uint64, key string) *verdict {
	if c.max == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		c.generation, c.young, c.old = generation, nil, nil
		return nil
	}
	if v, ok := c.young[key]; ok {
		return v
	}
	if v, ok := c.old[key]; ok {
		c.putLocked(key, v)
		return v
	}
	return nil
}

func (c *decisionCache) set(generation uint64, key string, v *verdict) {
	if c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return
	}
	c.putLocked(key, v)
}

func (c *decisionCache) putLocked(key string, v *verdict) {
	half := max(c.max/2, 1)
	if len(c.young) >= half {
		c.old, c.young = c.young, nil
	}
	if c.young == nil {
		c.young = make(map[string]*verdict, half)
	}
	c.young[key] = v
}
