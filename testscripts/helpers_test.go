package testscripts

import (
	"net/netip"
	"testing"
)

func TestParseProcAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		addr string
		port int
	}{
		{"0100007F:D903", "127.0.0.1", 55555},
		{"00000000:0035", "0.0.0.0", 53},
		{"00000000000000000000000001000000:D903", "::1", 55555},
		{"00000000000000000000000000000000:0001", "::", 1},
		{"0000000000000000FFFF00000100007F:D903", "::ffff:127.0.0.1", 55555},
	} {
		a, p, ok := parseProcAddr(tc.in)
		if !ok || a != netip.MustParseAddr(tc.addr) || p != tc.port {
			t.Errorf("parseProcAddr(%q) = %v, %d, %v; want %s, %d", tc.in, a, p, ok, tc.addr, tc.port)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007F:XYZ", "01007F:0035", "0100007F:10000"} {
		if _, _, ok := parseProcAddr(bad); ok {
			t.Errorf("parseProcAddr(%q) succeeded", bad)
		}
	}
}

func TestJSONPath(t *testing.T) {
	root, err := decodeJSONValues(`{"a":{"b":[1,"x",true]},"body":"{\"event\":\"E\",\"n\":[2]}"}` + "\n" + `{"z":null}`)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		".0.a.b.0":       "1",
		".0.a.b.1":       "x",
		".0.a.b.-1":      "true",
		".0.a":           `{"b":[1,"x",true]}`,
		".0.body.event":  "E",
		".0.body.n":      "[2]",
		".1.z":           "null",
		".-1.z":          "null",
		".1":             `{"z":null}`,
		".0.a.b.2":       "true",
		".0.body.n.0":    "2",
		".0.a.b.1234567": "",
	} {
		got, err := jsonPath(root, path)
		if want == "" {
			if err == nil {
				t.Errorf("jsonPath(%s) = %q, want an error", path, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("jsonPath(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	for _, bad := range []string{"a", ".2", ".0.nope", ".0.a.b.x", ".0.a.b.0.c", ".0.a.b.1.c"} {
		if got, err := jsonPath(root, bad); err == nil {
			t.Errorf("jsonPath(%s) = %q, want an error", bad, got)
		}
	}
}
