package dbusiface

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestPathElement(t *testing.T) {
	for _, tc := range []struct{ name, elem string }{
		{"", "_"},
		{"gv-1", "gv_2d1"}, // CONVENTIONS.md §1.3, what busctl shows
		{"gv0", "gv0"},
		{"GV_0", "GV_5f0"}, // '_' itself is escaped, or "_2d" would be ambiguous
		{"_", "_5f"},
		{"1vol", "_31vol"}, // a leading digit is escaped, as systemd does
		{"9", "_39"},
		{"vol.data", "vol_2edata"},
		{"a b", "a_20b"},
		{"/", "_2f"},
		{"3e4f5c2a-7b1d-4c8e-9f00-1a2b3c4d5e6f", "_33e4f5c2a_2d7b1d_2d4c8e_2d9f00_2d1a2b3c4d5e6f"},
		{"3e4f5c2a-7b1d-4c8e-9f00-1a2b3c4d5e6f:/bricks/b1", "_33e4f5c2a_2d7b1d_2d4c8e_2d9f00_2d1a2b3c4d5e6f_3a_2fbricks_2fb1"},
		{"é", "_c3_a9"}, // bytes, not runes
		{"\x00\xff", "_00_ff"},
	} {
		if got := PathElement(tc.name); got != tc.elem {
			t.Errorf("PathElement(%q) = %q, want %q", tc.name, got, tc.elem)
		}
		if got, err := UnescapePathElement(tc.elem); err != nil || got != tc.name {
			t.Errorf("UnescapePathElement(%q) = %q, %v; want %q", tc.elem, got, err, tc.name)
		}
	}
}

func TestUnescapePathElementRejects(t *testing.T) {
	for _, elem := range []string{
		"",       // no element at all
		"a_",     // escape cut short
		"a_2",    // escape cut short
		"a_zz",   // not hex
		"a_2D",   // upper-case hex: PathElement writes lower case
		"_61",    // 'a' needs no escape: two elements for one name
		"1vol",   // a leading digit is always escaped
		"a-b",    // not a valid element at all
		"a/b",    // two elements
		"__",     // '_' must be followed by hex
		"a_5f_",  // cut short after a valid escape
		"_5f_5F", // upper-case hex after a valid escape
	} {
		if name, err := UnescapePathElement(elem); err == nil {
			t.Errorf("UnescapePathElement(%q) = %q, want an error", elem, name)
		}
	}
}

func TestObjectPaths(t *testing.T) {
	for _, tc := range []struct {
		got, want dbus.ObjectPath
	}{
		{VolumePath("gv-1"), "/org/gluster/Eventing1/volumes/gv_2d1"},
		{VolumePath(""), "/org/gluster/Eventing1/volumes/_"},
		{BrickPath("3e4f5c2a-7b1d-4c8e-9f00-1a2b3c4d5e6f", "/bricks/b1"),
			"/org/gluster/Eventing1/bricks/_33e4f5c2a_2d7b1d_2d4c8e_2d9f00_2d1a2b3c4d5e6f_3a_2fbricks_2fb1"},
		{PeerPath("3e4f5c2a-7b1d-4c8e-9f00-1a2b3c4d5e6f"),
			"/org/gluster/Eventing1/peers/_33e4f5c2a_2d7b1d_2d4c8e_2d9f00_2d1a2b3c4d5e6f"},
	} {
		if tc.got != tc.want {
			t.Errorf("path %q, want %q", tc.got, tc.want)
		}
		if !tc.got.IsValid() {
			t.Errorf("path %q is not a valid object path", tc.got)
		}
	}
}

// FuzzPathElement checks, for any name, that its element is valid in an
// object path and unescapes to the name, and, for any string taken as an
// element, that an accepted element is the only one for its name.
func FuzzPathElement(f *testing.F) {
	for _, s := range []string{"", "gv-1", "_", "1vol", "vol.data", "é", "\x00\xff", "gv_2d1", "_5f", "a_2D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		elem := PathElement(s)
		if elem == "" || strings.Trim(elem, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			t.Fatalf("PathElement(%q) = %q: not one element of [A-Za-z0-9_]", s, elem)
		}
		for _, p := range []dbus.ObjectPath{VolumePath(s), BrickPath(s, s), PeerPath(s), RootPath + "/" + dbus.ObjectPath(elem)} {
			if !p.IsValid() {
				t.Fatalf("object path %q (from %q) is not valid", p, s)
			}
		}
		if got, err := UnescapePathElement(elem); err != nil || got != s {
			t.Fatalf("UnescapePathElement(PathElement(%q)) = %q, %v", s, got, err)
		}
		if name, err := UnescapePathElement(s); err == nil && PathElement(name) != s {
			t.Fatalf("UnescapePathElement(%q) accepted it as %q, whose element is %q", s, name, PathElement(name))
		}
	})
}
