package webhooks

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/pyjson"
)

// The typed attributes of glustereventsd (eventsapiconf.py). Gluster's CLI
// actually sends push_pem, no_verify and ssh_port with underscores, so only
// "force" is ever converted; we keep the list as it is because the legacy
// body must be byte-for-byte what glustereventsd produced.
var (
	legacyBoolKeys = []string{"force", "push-pem", "no-verify"}
	legacyIntKeys  = []string{"ssh-port"}
)

// AppendLegacyBody appends the JSON body glustereventsd POSTs for ev:
// {"event": NAME, "message": {...}, "nodeid": UUID, "ts": N}, keys sorted at
// every level, Python's ", " and ": " separators and ASCII-only escaping
// (json.dumps(sort_keys=True)), "force" as a JSON boolean, "ssh-port" as an
// integer, and VOLUME_SET's options split into [[key, value], ...].
func AppendLegacyBody(b []byte, nodeID string, ev *gfevent.Event) []byte {
	b = append(b, `{"event": `...)
	b = appendPyString(b, ev.Type.String())
	b = append(b, `, "message": `...)
	b = appendLegacyMessage(b, ev)
	b = append(b, `, "nodeid": `...)
	b = appendPyString(b, nodeID)
	b = append(b, `, "ts": `...)
	b = strconv.AppendInt(b, ev.Time, 10)
	return append(b, '}')
}

func appendLegacyMessage(b []byte, ev *gfevent.Event) []byte {
	// Python builds a dict: the last duplicate wins.
	idx := make(map[string]int, len(ev.Fields))
	keys := make([]string, 0, len(ev.Fields))
	for i, f := range ev.Fields {
		if _, ok := idx[f.Key]; !ok {
			keys = append(keys, f.Key)
		}
		idx[f.Key] = i
	}
	isSet := ev.Type == gfevent.VolumeSet
	if isSet {
		if _, ok := idx["options"]; !ok {
			keys = append(keys, "options")
			idx["options"] = -1
		}
	}
	slices.Sort(keys) // byte order of UTF-8 is code point order, as Python sorts str
	b = append(b, '{')
	for n, k := range keys {
		if n > 0 {
			b = append(b, ", "...)
		}
		b = appendPyString(b, k)
		b = append(b, ": "...)
		v := ""
		if i := idx[k]; i >= 0 {
			v = ev.Fields[i].Value
		}
		switch {
		case isSet && k == "options":
			b = appendVolumeSetOptions(b, v)
		case slices.Contains(legacyBoolKeys, k):
			b = strconv.AppendBool(b, pyBoolify(v))
		case slices.Contains(legacyIntKeys, k):
			if num, ok := pyInt(v); ok {
				b = append(b, num...)
			} else {
				b = appendPyString(b, v)
			}
		default:
			b = appendPyString(b, v)
		}
	}
	return append(b, '}')
}

// appendVolumeSetOptions does what handlers.handle_event_volume_set does:
// ",k1,v1,k2,v2" becomes [["k1", "v1"], ["k2", "v2"]]; an odd count leaves a
// one-element list at the end.
func appendVolumeSetOptions(b []byte, v string) []byte {
	items := strings.Split(strings.Trim(v, ","), ",")
	b = append(b, '[')
	for i, it := range items {
		switch {
		case i%2 == 0 && i > 0:
			b = append(b, "], ["...)
		case i%2 == 0:
			b = append(b, '[')
		default:
			b = append(b, ", "...)
		}
		b = appendPyString(b, it)
	}
	return append(b, "]]"...)
}

// pyBoolify is glustereventsd's boolify().
func pyBoolify(v string) bool {
	switch strings.ToLower(v) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// pyInt mimics CPython 3.11's int(str), which glustereventsd applies to
// "ssh-port". Like CPython it first maps every non-ASCII decimal digit
// (Unicode Nd) to its ASCII digit and non-ASCII whitespace to a space (any
// other non-ASCII character makes it fail); it then accepts surrounding ASCII
// whitespace, an optional sign and digits with single underscores between
// them, and refuses more than 4300 digits (sys.get_int_max_str_digits()).
// It returns the canonical decimal form.
func pyInt(v string) (string, bool) {
	a := make([]byte, 0, len(v))
	for _, r := range v {
		switch {
		case r < utf8.RuneSelf:
			a = append(a, byte(r))
		case unicode.IsSpace(r):
			a = append(a, ' ')
		default:
			d, ok := pyDecimal(r)
			if !ok {
				return "", false
			}
			a = append(a, '0'+d)
		}
	}
	s := strings.Trim(string(a), " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return "", false
	}
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '_':
		default:
			return "", false
		}
	}
	if len(digits) > pyMaxStrDigits {
		return "", false
	}
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if neg && string(digits) != "0" {
		return "-" + string(digits), true
	}
	return string(digits), true
}

// pyMaxStrDigits is CPython's default limit on the digits int(str) converts.
const pyMaxStrDigits = 4300

// pyDecimal returns the value of a Unicode decimal digit (category Nd) as
// Python 3.11 (Unicode 14) knows them. Nd digits come in runs of ten, 0 to
// 9, so the value is the offset in its run.
func pyDecimal(r rune) (byte, bool) {
	if (r >= 0x11F50 && r <= 0x11F59) || (r >= 0x1E4F0 && r <= 0x1E4F9) {
		return 0, false // Kawi and Nag Mundari digits: new in Unicode 15
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	return 0, false
}

// appendPyString appends s as Python's json.dumps(ensure_ascii=True) does.
func appendPyString(b []byte, s string) []byte { return pyjson.AppendString(b, s) }
