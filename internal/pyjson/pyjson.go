// Package pyjson writes JSON byte for byte as Python's json.dumps does with
// its defaults (ensure_ascii, ", " and ": " separators). Gluster's tools are
// Python: the legacy webhook body and events/webhooks.json must read exactly
// as glustereventsd and gluster-eventsapi wrote them, for the receivers and
// scripts that compare bytes. Imported by webhooks/ and internal/config.
package pyjson

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as json.dumps(s) does: ASCII only, with \uXXXX
// escapes (surrogate pairs above U+FFFF) and the short escapes Python uses.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = appendU4(b, 0xd800+(r>>10))
			b = appendU4(b, 0xdc00+(r&0x3ff))
		case r == utf8.RuneError:
			b = appendU4(b, 0xfffd)
		default:
			b = appendU4(b, r)
		}
	}
	return append(b, '"')
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
