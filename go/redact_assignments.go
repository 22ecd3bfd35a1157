package trusera

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A port of packages/core redact/assignments.ts and aws-secret.ts; spec/vectors/redaction.json
// keeps the two in step.

// keywords: the words a sensitive name contains, and "aws": each occurrence in free text (any case)
// is a place where name=value may begin. Found by findKeyword, a scan that a regular expression
// with these alternatives made four times slower.
var keywords = [...]string{"token", "secret", "key", "passw", "pwd", "credential", "signature", "session", "auth", "cookie", "aws"}

// findKeyword gives the offset and length of the first keyword at or after from, or -1.
func findKeyword(text string, from int) (int, int) {
	for i := from; i < len(text); i++ {
		c := text[i] | 0x20 // ASCII lower case (harmless for the other bytes: no keyword starts with them)
		if c != 't' && c != 's' && c != 'k' && c != 'p' && c != 'c' && c != 'a' {
			continue
		}
		for _, w := range keywords {
			if w[0] == c && len(text)-i >= len(w) && strings.EqualFold(text[i:i+len(w)], w) {
				return i, len(w)
			}
		}
	}
	return -1, 0
}

// maxNameReach is how far a name may reach on each side of its key word.
const maxNameReach = 64

var valueLiterals = map[string]bool{"null": true, "true": true, "false": true, "undefined": true, "none": true, "nil": true}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// redactAssignments replaces the values of name=value, name: value, "name": "value" and
// name <credential> in free text when the name is sensitive. A name right after "//" or "@" is a
// host and is left alone. Linear in the text: each key word is looked at once, within a bounded reach.
func redactAssignments(text string, awsOrSecret *bool) string {
	var out strings.Builder
	copied := 0
	next := 0
	for next < len(text) {
		at, length := findKeyword(text, next)
		if at < 0 {
			break
		}
		word := text[at : at+length]
		if strings.EqualFold(word, "aws") || strings.EqualFold(word, "secret") {
			*awsOrSecret = true
		}
		start := at
		for start > copied && at-start < maxNameReach && isNameChar(text[start-1]) {
			start--
		}
		end := at + length
		for end < len(text) && end-at < maxNameReach && isNameChar(text[end]) {
			end++
		}
		next = end
		if start > 0 && (text[start-1] == '@' || text[start-1] == '/' && start > 1 && text[start-2] == '/') {
			continue
		}
		if !IsSensitiveName(text[start:end]) {
			continue
		}
		m, ok := matchAfterName(text, end)
		if !ok {
			continue
		}
		valueAt := m.valueAt
		value := text[valueAt:m.end]
		quote := byte(0)
		if value[0] == '"' || value[0] == '\'' {
			quote = value[0]
		}
		closed := quote != 0 && len(value) > 1 && value[len(value)-1] == quote
		bare := value
		if quote != 0 {
			bare = value[1:]
			if closed {
				bare = value[1 : len(value)-1]
			}
		}
		if strings.HasPrefix(bare, Redacted) || strings.HasPrefix(bare, "//") || valueLiterals[strings.ToLower(bare)] {
			next = m.end
			continue
		}
		// Prose: look for names inside the word that followed, not past it.
		if !m.assigned && !m.scheme && !tokenLike(bare) {
			continue
		}
		out.WriteString(text[copied:valueAt])
		if quote != 0 {
			out.WriteByte(quote)
		}
		out.WriteString(Redacted)
		if closed {
			out.WriteByte(quote)
		}
		copied = m.end
		next = copied
	}
	if copied == 0 {
		return text
	}
	out.WriteString(text[copied:])
	return out.String()
}

type afterName struct {
	valueAt, end int
	assigned     bool // the separator has "=" or ":"
	scheme       bool // a scheme word (Bearer, Basic, token, Digest) stood before the value
}

// matchAfterName is AFTER_NAME of the TypeScript side, tried at pos (sticky), with its order of
// alternatives: an optional closing quote; "=" or ":" with up to 8 spaces or tabs around, else 1 to
// 8 spaces or tabs; an optional scheme word; then the value, quoted (up to 1,024 characters) or a
// run that ends at a space, a quote, &, ",", ";", "}", "<" or ">".
func matchAfterName(text string, pos int) (afterName, bool) {
	i := pos
	if i < len(text) && (text[i] == '"' || text[i] == '\'') {
		i++
	}
	spaces := func(from, max int) int {
		k := 0
		for from+k < len(text) && k < max && (text[from+k] == ' ' || text[from+k] == '\t') {
			k++
		}
		return k
	}
	// Alternative 1: [ \t]{0,8}[=:][ \t]{0,8}, greedy (giving spaces back never helps a value).
	if k := spaces(i, 8); i+k < len(text) && (text[i+k] == '=' || text[i+k] == ':') {
		j := i + k + 1
		j += spaces(j, 8)
		if m, ok := schemeAndValue(text, j); ok {
			m.assigned = true
			return m, true
		}
	}
	// Alternative 2: [ \t]{1,8}.
	if k := spaces(i, 8); k >= 1 {
		if m, ok := schemeAndValue(text, i+k); ok {
			return m, true
		}
	}
	return afterName{}, false
}

func schemeAndValue(text string, j int) (afterName, bool) {
	for _, word := range []string{"bearer", "basic", "token", "digest"} {
		if len(text)-j > len(word) && strings.EqualFold(text[j:j+len(word)], word) {
			k := 0
			for j+len(word)+k < len(text) && k < 8 && (text[j+len(word)+k] == ' ' || text[j+len(word)+k] == '\t') {
				k++
			}
			if k >= 1 {
				if end, ok := matchValue(text, j+len(word)+k); ok {
					return afterName{valueAt: j + len(word) + k, end: end, scheme: true}, true
				}
			}
			break
		}
	}
	if end, ok := matchValue(text, j); ok {
		return afterName{valueAt: j, end: end}, true
	}
	return afterName{}, false
}

// matchValue: a quoted string of 1 to 1,024 characters (backslash escapes, no newline), or an
// optional quote and a run of characters other than whitespace and " ' & , ; } < >.
func matchValue(text string, j int) (int, bool) {
	if j >= len(text) {
		return 0, false
	}
	if q := text[j]; q == '"' || q == '\'' {
		if end, ok := quotedValue(text, j, q); ok {
			return end, true
		}
		if end := runEnd(text, j+1); end > j+1 {
			return end, true
		}
		return 0, false
	}
	if end := runEnd(text, j); end > j {
		return end, true
	}
	return 0, false
}

func quotedValue(text string, j int, q byte) (int, bool) {
	units := 0
	k := j + 1
	for k < len(text) {
		c := text[k]
		switch {
		case c == q:
			if units == 0 {
				return 0, false
			}
			return k + 1, true
		case c == '\n':
			return 0, false
		case c == '\\':
			if k+1 >= len(text) || isLineTerminator(text, k+1) {
				return 0, false
			}
			_, size := utf8.DecodeRuneInString(text[k+1:])
			k += 1 + size
		default: // [^"\\\n]: anything else, a carriage return included
			_, size := utf8.DecodeRuneInString(text[k:])
			k += size
		}
		units++
		if units > 1024 {
			return 0, false
		}
	}
	return 0, false
}

// isLineTerminator: what JavaScript's "." does not match.
func isLineTerminator(text string, k int) bool {
	r, _ := utf8.DecodeRuneInString(text[k:])
	return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'
}

// runEnd is where a run of value characters starting at j ends.
func runEnd(text string, j int) int {
	k := j
	for k < len(text) {
		r, size := utf8.DecodeRuneInString(text[k:])
		if isJSSpace(r) || strings.ContainsRune(`"'&,;}<>`, r) {
			break
		}
		k += size
	}
	return k
}

// isJSSpace is JavaScript's \s.
func isJSSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }

// tokenLike: a value after spaces only counts when it looks like a credential: 8 or more token
// characters, starting with a letter or digit, with a letter and a digit.
func tokenLike(s string) bool {
	if len(s) < 8 {
		return false
	}
	letter, digit := false, false
	for k := 0; k < len(s); k++ {
		c := s[k]
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		isDigit := c >= '0' && c <= '9'
		if k == 0 && !isLetter && !isDigit {
			return false
		}
		if !isLetter && !isDigit && !strings.ContainsRune("._~+/=-", rune(c)) {
			return false
		}
		letter = letter || isLetter
		digit = digit || isDigit
	}
	return letter && digit
}

// awsClass: 1 for the alphabet of an AWS secret access key (base64 without padding), 2 for "=",
// which continues a run but means it is something else.
func awsClass(c byte) int {
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '+', c == '/':
		return 1
	case c == '=':
		return 2
	}
	return 0
}

// isAwsSecretShape: 40 characters of A-Z a-z 0-9 + /, with an upper-case letter, a lower-case
// letter, a digit and at most two "/".
func isAwsSecretShape(s string) bool {
	if len(s) != 40 {
		return false
	}
	slashes := 0
	upper, lower, digit := false, false, false
	for k := 0; k < len(s); k++ {
		c := s[k]
		if awsClass(c) != 1 {
			return false
		}
		switch {
		case c == '/':
			slashes++
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	return upper && lower && digit && slashes <= 2
}

// redactAwsSecrets replaces every run of exactly 40 key characters (not part of a longer run of
// them or of "=") that isAwsSecretShape accepts.
func redactAwsSecrets(text string) string {
	var out strings.Builder
	copied, run := 0, -1
	for i := 0; i <= len(text); i++ {
		c := byte(' ')
		if i < len(text) {
			c = text[i]
		}
		if c < 0x80 && awsClass(c) != 0 {
			if run < 0 {
				run = i
			}
			continue
		}
		if run >= 0 && i-run == 40 && isAwsSecretShape(text[run:i]) {
			out.WriteString(text[copied:run])
			out.WriteString(Redacted)
			copied = i
		}
		run = -1
	}
	if copied == 0 {
		return text
	}
	out.WriteString(text[copied:])
	return out.String()
}
