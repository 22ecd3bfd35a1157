package trusera

import (
	"net/url"
	"strconv"
	"strings"
)

// defaultPorts are the ports the request model fills in when a URL names none (others: 0).
var defaultPorts = map[string]int{"http": 80, "https": 443, "ws": 80, "wss": 443}

// specialDefaultPorts are what a WHATWG URL drops from its text (ftp's too).
var specialDefaultPorts = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}

// parsedURL is a URL split the way the WHATWG URL standard (JavaScript's URL) splits it, for the
// special schemes an agent calls (http, https, ws, wss, ftp). Each part is already serialized.
type parsedURL struct {
	scheme   string // lower case, without ":"
	username string
	password string
	host     string // lower case; IPv6 with brackets
	port     string // "" when default or absent
	path     string // starts with "/"
	query    string // without "?"; hasQuery tells an empty "?" from none
	hasQuery bool
	fragment string
	hasFrag  bool
}

// href serializes like URL.prototype.href.
func (u *parsedURL) href() string {
	var b strings.Builder
	b.Grow(len(u.host) + len(u.path) + len(u.query) + len(u.fragment) + 16)
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.username != "" || u.password != "" {
		b.WriteString(u.username)
		if u.password != "" {
			b.WriteByte(':')
			b.WriteString(u.password)
		}
		b.WriteByte('@')
	}
	b.WriteString(u.host)
	if u.port != "" {
		b.WriteByte(':')
		b.WriteString(u.port)
	}
	b.WriteString(u.path)
	if u.hasQuery {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	if u.hasFrag {
		b.WriteByte('#')
		b.WriteString(u.fragment)
	}
	return b.String()
}

// hostname without IPv6 brackets, as the request model names the host.
func (u *parsedURL) hostname() string {
	return strings.TrimSuffix(strings.TrimPrefix(u.host, "["), "]")
}

// portNumber with the default of the scheme filled in (0 when it has none).
func (u *parsedURL) portNumber() int {
	if u.port != "" {
		n, _ := strconv.Atoi(u.port)
		return n
	}
	return defaultPorts[u.scheme]
}

type urlError string

func (e urlError) Error() string { return "invalid URL: " + string(e) }

// parseURL parses an absolute URL of a special scheme the way JavaScript's URL does for the cases
// agents meet: lower-cased scheme and host, default port dropped, dot segments resolved, the
// characters WHATWG percent-encodes encoded. Hosts are not converted to punycode.
func parseURL(raw string) (*parsedURL, error) {
	s := strings.Trim(raw, " \t\n\r\f\x00")
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !isScheme(s[:colon]) {
		return nil, urlError(raw)
	}
	u := &parsedURL{scheme: strings.ToLower(s[:colon])}
	if _, special := specialDefaultPorts[u.scheme]; !special {
		return nil, urlError(raw)
	}
	rest := strings.ReplaceAll(s[colon+1:], "\\", "/")
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		u.fragment, u.hasFrag = encodeSet(rest[i+1:], fragmentSet), true
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		u.query, u.hasQuery = encodeSet(rest[i+1:], querySet), true
		rest = rest[:i]
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		info := authority[:at]
		authority = authority[at+1:]
		user, pass, _ := strings.Cut(info, ":")
		u.username, u.password = encodeSet(user, userinfoSet), encodeSet(pass, userinfoSet)
	}
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return nil, urlError(raw)
		}
		host, port = authority[:end+1], strings.TrimPrefix(authority[end+1:], ":")
		if authority[end+1:] != "" && !strings.HasPrefix(authority[end+1:], ":") {
			return nil, urlError(raw)
		}
	} else if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		host, port = authority[:i], authority[i+1:]
	}
	if host == "" || strings.ContainsAny(host, " <>^|%") {
		return nil, urlError(raw)
	}
	if decoded, err := url.PathUnescape(host); err == nil {
		host = decoded
	}
	u.host = strings.ToLower(host)
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return nil, urlError(raw)
		}
		port = strconv.Itoa(n)
		if specialDefaultPorts[u.scheme] != port {
			u.port = port
		}
	}
	u.path = normalizePath(path)
	return u, nil
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// normalizePath resolves "." and ".." segments (also their %2e spellings) and percent-encodes.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(seg) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, encodeSet(seg, pathSet))
		}
	}
	return "/" + strings.Join(out, "/")
}

// WHATWG percent-encode sets (besides C0 controls, DEL and non-ASCII, always encoded).
const (
	fragmentSet = " \"<>`"
	querySet    = " \"#<>'" // the special-query set
	pathSet     = " \"#<>?`{}"
	userinfoSet = " \"#<>?`{}/:;=@[\\]^|"
)

func encodeSet(s, set string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c >= 0x7f || strings.IndexByte(set, c) >= 0 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || strings.IndexByte(set, c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// RedactURL replaces the password of a URL's user info and every secret-looking value of its query
// and fragment with [REDACTED]. Text that is not a URL gets its secret-looking name=value pairs
// replaced instead. Mirrors redactUrl of packages/core.
func RedactURL(raw string) string {
	if !strings.ContainsAny(raw, "?@#") {
		return raw
	}
	u, err := parseURL(raw)
	if err != nil {
		return redactLoosePairs(raw)
	}
	changed := false
	if u.password != "" {
		u.password = Redacted
		changed = true
	}
	if u.hasQuery {
		if q, ok := redactPairs(u.query); ok {
			u.query, changed = q, true
		}
	}
	if u.hasFrag {
		if f, ok := redactPairs(u.fragment); ok {
			u.fragment, changed = f, true
		}
	}
	if !changed {
		return raw
	}
	return u.href()
}

// redactPairs redacts "a=1&b=2"; ok is false when nothing was.
func redactPairs(text string) (string, bool) {
	if text == "" {
		return text, false
	}
	parts := strings.Split(text, "&")
	changed := false
	for i, part := range parts {
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			continue
		}
		if IsSensitiveName(decodeSafe(part[:eq])) || ContainsSecret(decodeSafe(part[eq+1:])) {
			parts[i] = part[:eq] + "=" + Redacted
			changed = true
		}
	}
	if !changed {
		return text, false
	}
	return strings.Join(parts, "&"), true
}

// redactLoosePairs: in text that is not a URL, `?name=value`, `&name=value` and `#name=value`.
func redactLoosePairs(text string) string {
	var b strings.Builder
	i := 0
	for i < len(text) {
		c := text[i]
		if c != '?' && c != '&' && c != '#' {
			b.WriteByte(c)
			i++
			continue
		}
		// [?&#] then a name of one or more characters other than = & #, then =, then a value.
		j := i + 1
		for j < len(text) && text[j] != '=' && text[j] != '&' && text[j] != '#' {
			j++
		}
		if j == i+1 || j >= len(text) || text[j] != '=' {
			b.WriteString(text[i:j])
			i = j
			continue
		}
		k := j + 1
		for k < len(text) && text[k] != '&' && text[k] != '#' {
			k++
		}
		name, value := text[i+1:j], text[j+1:k]
		if IsSensitiveName(name) || ContainsSecret(decodeSafe(value)) {
			b.WriteString(text[i:j] + "=" + Redacted)
		} else {
			b.WriteString(text[i:k])
		}
		i = k
	}
	return b.String()
}

func decodeSafe(text string) string {
	out, err := url.QueryUnescape(text)
	if err != nil {
		return text
	}
	return out
}
