package client

import "unicode/utf8"

// utf8Stream checks text that arrives in pieces, which may split a
// character: it holds the start of a character cut at the end of a piece
// until the next.
type utf8Stream struct {
	carry [utf8.UTFMax]byte
	n     int
}

// check reports whether p continues valid UTF-8. After a false the
// stream's state is unchanged.
func (u *utf8Stream) check(p []byte) bool {
	save := *u
	if u.n > 0 {
		for len(p) > 0 && !utf8.FullRune(u.carry[:u.n]) {
			u.carry[u.n] = p[0]
			u.n++
			p = p[1:]
		}
		if !utf8.FullRune(u.carry[:u.n]) {
			return true // still cut, and p is used up
		}
		if !utf8.Valid(u.carry[:u.n]) {
			*u = save
			return false
		}
		u.n = 0
	}
	t := cut(p)
	if !utf8.Valid(p[:t]) {
		*u = save
		return false
	}
	u.n = copy(u.carry[:], p[t:])
	return true
}

// complete reports whether the text so far ends on a character boundary.
func (u *utf8Stream) complete() bool { return u.n == 0 }

// cut returns the length of p without a character cut at its end.
func cut(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if utf8.FullRune(p[i:]) {
				return len(p)
			}
			return i
		}
	}
	return len(p)
}
