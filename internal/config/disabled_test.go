package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
)

// disabledNames are the names of the types c disables, sorted.
func disabledTypeNames(t *testing.T, c *Cluster) []string {
	t.Helper()
	s, err := c.DisabledSet()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if s != nil {
		for _, ty := range s.Types() {
			out = append(out, ty.String())
		}
	}
	slices.Sort(out)
	return out
}

// namesOf are the sorted names filter.Names gives a pattern.
func namesOf(t *testing.T, patterns ...string) []string {
	t.Helper()
	var out []string
	for _, p := range patterns {
		ts, err := disabledNames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, ty := range ts {
			if !slices.Contains(out, ty.String()) {
				out = append(out, ty.String())
			}
		}
	}
	slices.Sort(out)
	return out
}

func without(all []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
}

func TestDisableEnable(t *testing.T) {
	volume := namesOf(t, "Volume.*")
	if len(volume) < 10 || !slices.Contains(volume, "VOLUME_START") || slices.Contains(volume, "BRICK_CONNECTED") {
		t.Fatalf("Volume.* names %v", volume)
	}
	type step struct {
		op      string // "disable" or "enable"
		pattern string
		changed bool
		list    []string // the disabled list after the step
		events  []string // the disabled types after the step
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"disable a glob, enable it", []step{
			{"disable", "Volume.*", true, []string{"Volume.*"}, volume},
			{"disable", "Volume.*", false, []string{"Volume.*"}, volume},
			{"disable", "VOLUME_*", false, []string{"Volume.*"}, volume}, // the same events, another spelling
			{"disable", "VOLUME_START", false, []string{"Volume.*"}, volume},
			{"enable", "Volume.*", true, nil, nil},
			{"enable", "Volume.*", false, nil, nil},
		}},
		{"an exception inside a glob", []step{
			{"disable", "Volume.*", true, []string{"Volume.*"}, volume},
			{"enable", "VOLUME_START", true, []string{"Volume.*", "!VOLUME_START"}, without(volume, "VOLUME_START")},
			{"enable", "volume_start", false, []string{"Volume.*", "!VOLUME_START"}, without(volume, "VOLUME_START")},
			// Disabling it again removes the exception.
			{"disable", "VOLUME_START", true, []string{"Volume.*"}, volume},
			{"enable", "Volume.Start", true, []string{"Volume.*", "!Volume.Start"}, without(volume, "VOLUME_START")},
			// Enabling the glob enables all of it: the exception goes too.
			{"enable", "Volume.*", true, nil, nil},
		}},
		{"a broader pattern absorbs a narrower one", []step{
			{"disable", "VOLUME_START", true, []string{"VOLUME_START"}, []string{"VOLUME_START"}},
			{"disable", "BRICK_CONNECTED", true, []string{"VOLUME_START", "BRICK_CONNECTED"}, []string{"BRICK_CONNECTED", "VOLUME_START"}},
			{"disable", "VOLUME_*", true, []string{"BRICK_CONNECTED", "VOLUME_*"}, namesOf(t, "VOLUME_*", "BRICK_CONNECTED")},
			{"enable", "Volume.*", true, []string{"BRICK_CONNECTED"}, []string{"BRICK_CONNECTED"}},
			{"enable", "VOLUME_START", false, []string{"BRICK_CONNECTED"}, []string{"BRICK_CONNECTED"}},
		}},
		{"enable part of a narrower pattern", []step{
			{"disable", "VOLUME_START", true, []string{"VOLUME_START"}, []string{"VOLUME_START"}},
			// Volume.* is partly disabled: enabling it enables VOLUME_START
			// and leaves nothing behind.
			{"enable", "Volume.*", true, nil, nil},
		}},
		{"disable part of an exception", []step{
			{"disable", "Volume.*", true, []string{"Volume.*"}, volume},
			{"enable", "VOLUME_ST*", true, []string{"Volume.*", "!VOLUME_ST*"}, without(volume, "VOLUME_START", "VOLUME_STOP")},
			{"disable", "VOLUME_STOP", true, []string{"Volume.*", "!VOLUME_ST*", "VOLUME_STOP"}, without(volume, "VOLUME_START")},
			{"enable", "VOLUME_STOP", true, []string{"Volume.*", "!VOLUME_ST*"}, without(volume, "VOLUME_START", "VOLUME_STOP")},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultCluster()
			for i, s := range tt.steps {
				var changed bool
				var err error
				if s.op == "disable" {
					changed, err = c.Disable(s.pattern)
				} else {
					changed, err = c.Enable(s.pattern)
				}
				if err != nil {
					t.Fatalf("step %d: %s %s: %v", i, s.op, s.pattern, err)
				}
				if changed != s.changed {
					t.Errorf("step %d: %s %s: changed = %v, want %v", i, s.op, s.pattern, changed, s.changed)
				}
				if diff := cmp.Diff(s.list, c.Disabled, cmpEmpty); diff != "" {
					t.Errorf("step %d: %s %s: list (-want +got):\n%s", i, s.op, s.pattern, diff)
				}
				if diff := cmp.Diff(s.events, disabledTypeNames(t, c), cmpEmpty); diff != "" {
					t.Errorf("step %d: %s %s: disabled events (-want +got):\n%s", i, s.op, s.pattern, diff)
				}
				if err := c.Validate(); err != nil {
					t.Errorf("step %d: %v", i, err)
				}
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func TestDisableErrors(t *testing.T) {
	c := DefaultCluster()
	for _, p := range []string{"", " ", "!Volume.*", "VOLUM_START", "Volume.Stat", "NOPE_*", "[", "9999"} {
		if _, err := c.Disable(p); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("Disable(%q): err = %v, want ErrInvalidValue", p, err)
		}
		if _, err := c.Enable(p); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("Enable(%q): err = %v, want ErrInvalidValue", p, err)
		}
	}
	if len(c.Disabled) != 0 {
		t.Errorf("failed changes left %q", c.Disabled)
	}
	// The closest names are suggested.
	_, err := c.Disable("VOLUM_START")
	if err == nil || !strings.Contains(err.Error(), "VOLUME_START") {
		t.Errorf("Disable(VOLUM_START): %v, want a suggestion of VOLUME_START", err)
	}
}

func TestDisabledSetNilWhenNothingDisabled(t *testing.T) {
	for _, list := range [][]string{nil, {}, {"!Volume.*"}, {"Volume.*", "!Volume.*"}} {
		c := DefaultCluster()
		c.Disabled = list
		s, err := c.DisabledSet()
		if err != nil || s != nil {
			t.Errorf("%q: DisabledSet = %v, %v; want nil, nil", list, s, err)
		}
	}
}

func TestDisabledBy(t *testing.T) {
	c := DefaultCluster()
	c.Disabled = []string{"BRICK_*", "Volume.*", "!VOLUME_START", "VOLUME_STOP"}
	for typ, want := range map[gfevent.Type]string{
		gfevent.VolumeCreate:      "Volume.*",
		gfevent.VolumeStart:       "",
		gfevent.VolumeStop:        "VOLUME_STOP",
		gfevent.BrickDisconnected: "BRICK_*",
		gfevent.PeerConnect:       "",
	} {
		if got := c.DisabledBy(typ); got != want {
			t.Errorf("DisabledBy(%s) = %q, want %q", typ, got, want)
		}
	}
}

func TestLoadClusterDisabled(t *testing.T) {
	text := "version = 1\ndisabled = [\"Volume.*\", \"!VOLUME_START\", \"Georep.State.Faulty\"]\n"
	c, err := LoadCluster(writeTemp(t, "c.toml", text))
	if err != nil {
		t.Fatal(err)
	}
	want := append(without(namesOf(t, "Volume.*"), "VOLUME_START"), "GEOREP_FAULTY")
	slices.Sort(want)
	if diff := cmp.Diff(want, disabledTypeNames(t, c)); diff != "" {
		t.Errorf("disabled (-want +got):\n%s", diff)
	}
	// Written back as typed.
	if !strings.Contains(string(c.Encode()), `disabled = ["Volume.*", "!VOLUME_START", "Georep.State.Faulty"]`) {
		t.Errorf("encoded:\n%s", c.Encode())
	}
	// Clone does not share the list.
	cl := c.Clone()
	cl.Disabled[0] = "x"
	if c.Disabled[0] != "Volume.*" {
		t.Error("Clone shares Disabled")
	}
	// Nothing disabled: no key in the file.
	if strings.Contains(string(DefaultCluster().Encode()), "disabled") {
		t.Errorf("default config mentions disabled:\n%s", DefaultCluster().Encode())
	}

	for _, tt := range []struct{ text, want string }{
		{"version = 1\ndisabled = [\"Volume.*\", \"VOLUM_START\"]\n", `disabled[1]: invalid value: unknown event name "VOLUM_START" (did you mean VOLUME_START?)`},
		{"version = 1\ndisabled = [\"\"]\n", `disabled[0]: invalid value: an empty pattern names no event`},
		{"version = 1\ndisabled = [\"!!VOLUME_START\"]\n", `disabled[0]: invalid value "!VOLUME_START": a pattern starts with an event name`},
		{"version = 1\ndisabled = \"Volume.*\"\n", `incompatible types`},
	} {
		path := writeTemp(t, "c.toml", tt.text)
		_, err := LoadCluster(path)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want ErrInvalid with %q", tt.text, err, tt.want)
		}
	}
}

func TestWebhookEnrich(t *testing.T) {
	c, err := LoadCluster(writeTemp(t, "c.toml", "version = 1\n[[webhook]]\nurl = \"http://a/\"\nenrich = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Webhooks[0].Enrich || !strings.Contains(string(c.Encode()), "enrich = true") {
		t.Errorf("enrich not read or not written back:\n%s", c.Encode())
	}
	if strings.Contains(string(DefaultCluster().Encode()), "enrich") {
		t.Error("enrich written when off")
	}
	_, err = LoadCluster(writeTemp(t, "c.toml", "version = 1\n[[webhook]]\nurl = \"http://a/\"\nformat = \"standard\"\nenrich = true\n"))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `webhook[0].enrich: only used with format = "legacy"`) {
		t.Errorf("enrich on a standard webhook: %v", err)
	}
}
