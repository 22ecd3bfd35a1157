package trusera

import "fmt"

// Bounds on Cedar text checked before the engine sees it, ported from packages/core
// (cedar/text-bounds.ts) so that a policy set loads here exactly when it loads in TypeScript. There
// the bound protects a fixed Wasm stack; here it keeps the two SDKs agreeing on what is accepted.
const (
	maxCedarChars = 512 * 1024
	maxCedarDepth = 120
	bracketCost   = 3
)

// checkCedarText gives the first bound text breaks, placed where it breaks it, or nil. Characters
// are counted in UTF-16 code units and positions as positionAt counts them.
func checkCedarText(text string) *Diagnostic {
	if n := jsLength(text); n > maxCedarChars {
		return &Diagnostic{Message: fmt.Sprintf("the text has %d characters; the limit is %d", n, maxCedarChars), Line: 1, Column: 1}
	}
	base := []int{0}
	chain := []int{0}
	tooDeep := func(at, depth int) *Diagnostic {
		line, col := positionAt(text, at)
		return &Diagnostic{Message: fmt.Sprintf("the expression nests too deeply here (estimated depth %d, limit %d): "+
			"split it into shorter expressions or separate policies", depth, maxCedarDepth), Line: line, Column: col}
	}
	isWordStart := func(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isWord := func(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' }
	i := 0
	for i < len(text) {
		c := text[i]
		top := len(base) - 1
		two := ""
		if i+1 < len(text) {
			two = text[i : i+2]
		}
		switch {
		case c == '"':
			i++
			for i < len(text) && text[i] != '"' {
				if text[i] == '\\' {
					i += 2
				} else {
					i++
				}
			}
			i++
		case two == "//":
			for i < len(text) && text[i] != '\n' {
				i++
			}
			i++
		case c == '(' || c == '[' || c == '{':
			depth := base[top] + chain[top] + bracketCost
			if depth > maxCedarDepth {
				return tooDeep(i, depth)
			}
			base = append(base, depth)
			chain = append(chain, 0)
			i++
		case c == ')' || c == ']' || c == '}':
			if top > 0 {
				base, chain = base[:top], chain[:top]
			}
			i++
		case two == "&&" || two == "||":
			chain[top] = 0
			i += 2
		case c == ',' || c == ';':
			chain[top] = 0
			i++
		case two == "==" || two == "!=" || two == "<=" || two == ">=":
			chain[top]++
			if depth := base[top] + chain[top]; depth > maxCedarDepth {
				return tooDeep(i, depth)
			}
			i += 2
		case two == "::":
			i += 2
		case c == '+' || c == '-' || c == '*' || c == '!' || c == '.' || c == '<' || c == '>':
			chain[top]++
			if depth := base[top] + chain[top]; depth > maxCedarDepth {
				return tooDeep(i, depth)
			}
			i++
		case isWordStart(c):
			j := i + 1
			for j < len(text) && isWord(text[j]) {
				j++
			}
			switch text[i:j] {
			case "in", "has", "like", "is", "if":
				chain[top]++
				if depth := base[top] + chain[top]; depth > maxCedarDepth {
					return tooDeep(i, depth)
				}
			}
			i = j
		default:
			i++
		}
	}
	return nil
}

// positionAt gives the 1-based line and column of a byte offset, the column in UTF-16 code units.
func positionAt(text string, offset int) (int, int) {
	if offset > len(text) {
		offset = len(text)
	}
	line, lineStart := 1, 0
	for i := 0; i < offset; i++ {
		if text[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return line, jsLength(text[lineStart:offset]) + 1
}
