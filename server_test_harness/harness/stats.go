//go:build !js

package harness

type bucket struct {
	s     Stats
	conns []*ConnStats
}

// Stats returns what the harness has seen for connections tagged id, or
// for all connections when id is empty.
func (h *Harness) Stats(id string) Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.buckets[id]
	if !ok {
		return Stats{}
	}
	s := b.s
	if id != "" {
		s.Conns = make([]ConnStats, len(b.conns))
		for i, cs := range b.conns {
			s.Conns[i] = *cs
		}
	}
	return s
}

// update applies fn to the totals and to id's bucket under h.mu.
func (h *Harness) update(id string, fn func(s *Stats)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(&h.buckets[""].s)
	if id != "" {
		b := h.buckets[id]
		if b == nil {
			b = &bucket{}
			h.buckets[id] = b
		}
		fn(&b.s)
	}
}

// admit counts c's handshake, lists its stats and makes it reachable by
// Close and /kick, before the client learns that it is connected.
func (h *Harness) admit(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	add := func(b *bucket) {
		b.s.Handshakes++
		b.s.Open++
	}
	add(h.buckets[""])
	if c.id != "" {
		b := h.buckets[c.id]
		if b == nil {
			b = &bucket{}
			h.buckets[c.id] = b
		}
		add(b)
		b.conns = append(b.conns, c.st)
		if len(b.conns) > MaxConnStats {
			b.conns = append(b.conns[:0], b.conns[len(b.conns)-MaxConnStats:]...)
		}
	}
	if h.closed {
		c.cancel()
	} else {
		h.conns[c] = struct{}{}
	}
}

// unregister closes c and counts it closed.
func (h *Harness) unregister(c *conn) {
	c.cut(false)
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	h.buckets[""].s.Open--
	if b := h.buckets[c.id]; c.id != "" && b != nil {
		b.s.Open--
	}
	c.st.Open = false
}
