package dbusiface

import (
	"strings"
	"testing"
)

// The names are a public API: this pins them and checks them against the
// D-Bus specification's rules (dbus-specification, "Valid Names").
func TestNames(t *testing.T) {
	if BusName != "org.gluster.Eventing1" {
		t.Errorf("BusName = %q", BusName)
	}
	if err := validBusName(BusName); err != "" {
		t.Errorf("bus name %q: %s", BusName, err)
	}
	paths := map[string]string{
		string(RootPath):     "/org/gluster/Eventing1",
		string(ManagerPath):  "/org/gluster/Eventing1/Manager",
		string(VolumesPath):  "/org/gluster/Eventing1/volumes",
		string(BricksPath):   "/org/gluster/Eventing1/bricks",
		string(PeersPath):    "/org/gluster/Eventing1/peers",
		string(WebhooksPath): "/org/gluster/Eventing1/webhooks",
	}
	for got, want := range paths {
		if got != want {
			t.Errorf("path %q, want %q", got, want)
		}
	}
	for _, p := range []struct {
		name string
		ok   bool
	}{
		{string(RootPath), RootPath.IsValid()},
		{string(ManagerPath), ManagerPath.IsValid()},
		{string(VolumesPath), VolumesPath.IsValid()},
		{string(BricksPath), BricksPath.IsValid()},
		{string(PeersPath), PeersPath.IsValid()},
		{string(WebhooksPath), WebhooksPath.IsValid()},
	} {
		if !p.ok {
			t.Errorf("object path %q is not valid", p.name)
		}
	}
	names := map[string]string{
		ManagerInterface:       "org.gluster.Eventing1.Manager",
		VolumeInterface:        "org.gluster.Eventing1.Volume",
		BrickInterface:         "org.gluster.Eventing1.Brick",
		PeerInterface:          "org.gluster.Eventing1.Peer",
		WebhookInterface:       "org.gluster.Eventing1.Webhook",
		ObjectManagerInterface: "org.freedesktop.DBus.ObjectManager",
		ErrorNotFound:          "org.gluster.Eventing1.Error.NotFound",
		ErrorInvalidArgs:       "org.gluster.Eventing1.Error.InvalidArgs",
		ErrorNotAuthorized:     "org.gluster.Eventing1.Error.NotAuthorized",
		ErrorFailed:            "org.gluster.Eventing1.Error.Failed",
		ErrorBusy:              "org.gluster.Eventing1.Error.Busy",
	}
	for got, want := range names {
		if got != want {
			t.Errorf("name %q, want %q", got, want)
		}
		// Interface and error names follow the same rules.
		if err := validInterfaceName(got); err != "" {
			t.Errorf("interface or error name %q: %s", got, err)
		}
	}
}

// validBusName checks a well-known bus name: two or more elements of
// [A-Za-z0-9_-], none empty or starting with a digit, 255 bytes at most.
func validBusName(s string) string {
	return validDotted(s, "-")
}

// validInterfaceName checks an interface (or error) name: as a bus name,
// without '-'.
func validInterfaceName(s string) string {
	return validDotted(s, "")
}

func validDotted(s, extra string) string {
	if len(s) > 255 {
		return "longer than 255 bytes"
	}
	elems := strings.Split(s, ".")
	if len(elems) < 2 {
		return "fewer than two elements"
	}
	for _, e := range elems {
		if e == "" {
			return "empty element"
		}
		if isDigit(e[0]) {
			return "element " + e + " starts with a digit"
		}
		for i := 0; i < len(e); i++ {
			c := e[i]
			if !isAlpha(c) && !isDigit(c) && c != '_' && !strings.ContainsRune(extra, rune(c)) {
				return "element " + e + " has a byte outside [A-Za-z0-9_" + extra + "]"
			}
		}
	}
	return ""
}
