//go:build !js

package harness

import "container/list"

// bucket is what the harness has seen of the connections tagged one id.
type bucket struct {
	s      Stats
	conns  []*ConnStats
	idle   *list.Element   // in h.idle while no connection of the id is open
	tokens map[string]bool // the token= values accepted for the id
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
	h.used(id, b)
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
		b := h.bucket(id)
		fn(&b.s)
		h.used(id, b)
	}
}

// bucket returns id's bucket, making it if there is none. h.mu is held;
// the caller calls used once it has counted what brought it.
func (h *Harness) bucket(id string) *bucket {
	b := h.buckets[id]
	if b == nil {
		b = &bucket{}
		h.buckets[id] = b
	}
	return b
}

// used notes that id's bucket b was just used, and forgets the idle id
// used least recently if there are more than MaxIdleIDs (see there). It
// is called after any change to b's count of open connections. h.mu is
// held.
func (h *Harness) used(id string, b *bucket) {
	switch {
	case id == "": // the totals are never forgotten
	case b.s.Open > 0:
		if b.idle != nil {
			h.idle.Remove(b.idle)
			b.idle = nil
		}
	case b.idle != nil:
		h.idle.MoveToFront(b.idle)
	default:
		b.idle = h.idle.PushFront(id)
		for h.idle.Len() > MaxIdleIDs {
			delete(h.buckets, h.idle.Remove(h.idle.Back()).(string))
		}
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
		b := h.bucket(c.id)
		add(b)
		b.conns = append(b.conns, c.st)
		if len(b.conns) > MaxConnStats {
			b.conns = append(b.conns[:0], b.conns[len(b.conns)-MaxConnStats:]...)
		}
		h.used(c.id, b)
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
		h.used(c.id, b)
	}
	c.st.Open = false
}
