package dbusiface

import (
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// PathElement turns a name (a Gluster volume name, a brick id, a peer UUID)
// into one element of an object path, which D-Bus restricts to
// [A-Za-z0-9_]. It escapes the way systemd's bus_label_escape (and so
// sd_bus_path_encode and busctl) does: every byte other than an ASCII
// letter, or a digit that is not the first byte, becomes '_' and two
// lower-case hex digits, and the empty name becomes "_". "gv-1" is
// "gv_2d1". The escaping is reversible (UnescapePathElement) and stable:
// a name always gives the same path. Clients read names from properties,
// never from paths.
func PathElement(name string) string {
	if name == "" {
		return "_"
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAlpha(c) || i > 0 && isDigit(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// UnescapePathElement returns the name that PathElement turned into elem.
// Unlike systemd's lenient bus_label_unescape it accepts only what
// PathElement produces, so that every name has exactly one element.
func UnescapePathElement(elem string) (string, error) {
	if elem == "_" {
		return "", nil
	}
	if elem == "" {
		return "", fmt.Errorf("dbusiface: empty object path element")
	}
	name := make([]byte, 0, len(elem))
	for i := 0; i < len(elem); i++ {
		c := elem[i]
		if c != '_' {
			name = append(name, c)
			continue
		}
		hi, okHi := unhex(elem, i+1)
		lo, okLo := unhex(elem, i+2)
		if !okHi || !okLo {
			return "", fmt.Errorf("dbusiface: object path element %q: bad escape at byte %d", elem, i)
		}
		name = append(name, hi<<4|lo)
		i += 2
	}
	if PathElement(string(name)) != elem {
		return "", fmt.Errorf("dbusiface: object path element %q is not in canonical escaped form", elem)
	}
	return string(name), nil
}

// VolumePath is the object path of the volume named name.
func VolumePath(name string) dbus.ObjectPath {
	return VolumesPath + "/" + dbus.ObjectPath(PathElement(name))
}

// BrickPath is the object path of the brick at path on the peer with UUID
// hostUUID: its stable id hostUUID:path, never a list index.
func BrickPath(hostUUID, path string) dbus.ObjectPath {
	return BricksPath + "/" + dbus.ObjectPath(PathElement(hostUUID+":"+path))
}

// PeerPath is the object path of the peer with UUID uuid.
func PeerPath(uuid string) dbus.ObjectPath {
	return PeersPath + "/" + dbus.ObjectPath(PathElement(uuid))
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// unhex decodes the lower-case hex digit at s[i], as PathElement writes it.
func unhex(s string, i int) (byte, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case isDigit(c):
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
