package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func execNotifier(argv ...string) Notifier {
	n := DefaultNotifier()
	n.ID, n.Kind, n.Exec = "pager", KindExec, &ExecNotifier{Command: argv}
	return n
}

func TestNotifierValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(n *Notifier)
		want string // "" is valid
	}{
		{"minimal", func(n *Notifier) {}, ""},
		{"everything", func(n *Notifier) {
			n.Name, n.Filter, n.Dedup, n.MaxInFlight, n.MaxAttempts = "pager", "severity:critical !Volume.*", true, 64, 3
			n.Exec.Batch, n.Exec.MaxBatch = true, 10000
		}, ""},
		{"bad id", func(n *Notifier) { n.ID = "Pager!" }, `notifier.id: "Pager!" is not 1 to 64 lower-case letters`},
		{"bad name", func(n *Notifier) { n.Name = "-x" }, `notifier.name: "-x" is not 1 to 64 letters`},
		{"unknown kind", func(n *Notifier) { n.Kind = "pager" }, `notifier.kind: "pager" is not one of email, exec, snmp`},
		{"no kind", func(n *Notifier) { n.Kind = "" }, `notifier.kind: "" is not one of email, exec, snmp`},
		{"missing sub-table", func(n *Notifier) { n.Exec = nil }, `notifier.exec: missing: a notifier of kind "exec" needs a [notifier.exec] table`},
		{"another kind's sub-table", func(n *Notifier) { n.Email = &EmailNotifier{} }, `notifier.email: only used with kind = "email"`},
		{"no command", func(n *Notifier) { n.Exec.Command = nil }, "notifier.exec.command: missing: the program to run"},
		{"relative program", func(n *Notifier) { n.Exec.Command = []string{"notify.sh"} },
			`notifier.exec.command: the program must be an absolute path, not "notify.sh" (there is no shell and no PATH search)`},
		{"NUL in an argument", func(n *Notifier) { n.Exec.Command = append(n.Exec.Command, "a\x00b") }, "notifier.exec.command[2]: contains a NUL byte"},
		{"max_batch without batch", func(n *Notifier) { n.Exec.MaxBatch = 5 }, "notifier.exec.max_batch: only used with batch = true"},
		{"max_batch too big", func(n *Notifier) { n.Exec.Batch, n.Exec.MaxBatch = true, 10001 }, "notifier.exec.max_batch: 10001 is not between 0 and 10000"},
		{"timeout", func(n *Notifier) { n.Timeout = 0 }, "notifier.timeout: must be positive"},
		{"max_in_flight", func(n *Notifier) { n.MaxInFlight = 65 }, "notifier.max_in_flight: 65 is not between 1 and 64"},
		{"max_attempts", func(n *Notifier) { n.MaxAttempts = -1 }, "notifier.max_attempts: must not be negative"},
		{"max_age", func(n *Notifier) { n.MaxAge = 0 }, "notifier.max_age: must be positive"},
		{"unknown event", func(n *Notifier) { n.Filter = "VOLUME_STRAT" }, `unknown event name "VOLUME_STRAT" (did you mean VOLUME_START?)`},
		{"bad channel name", func(n *Notifier) { n.Channel = "a b" }, `notifier.channel: "a b" is not a channel name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := execNotifier("/usr/local/bin/page", "--urgent")
			tt.edit(&n)
			err := n.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

// A [[notifier]] table decodes onto the defaults, its filter and channel
// are compiled at load, unknown keys (in the sub-table too) are refused,
// and writing it back gives the same file.
func TestNotifierFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gluster-eventing.toml")
	const text = `version = 1

[channels.alerts]
filter = "severity:warning"

[[notifier]]
name = "pager"
kind = "exec"
channel = "alerts"
filter = "category:brick"
max_in_flight = 4

[notifier.exec]
command = ["/usr/local/bin/page", "--team", "storage"]
batch = true
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notifiers) != 1 {
		t.Fatalf("notifiers %+v", c.Notifiers)
	}
	n := c.Notifiers[0]
	if n.ID == "" || n.ID != n.Key() || n.Timeout != Duration(15*time.Second) || n.MaxAge != Duration(72*time.Hour) || n.MaxInFlight != 4 {
		t.Errorf("notifier %+v: defaults or id not applied", n)
	}
	if !slices.Equal(n.Exec.Command, []string{"/usr/local/bin/page", "--team", "storage"}) || !n.Exec.Batch || n.Exec.EffectiveMaxBatch() != DefaultExecMaxBatch {
		t.Errorf("exec %+v", n.Exec)
	}
	if n.Resolved == nil || n.Compiled() != n.Resolved {
		t.Fatal("the filter was not compiled at load")
	}
	if got := n.Compiled().String(); !strings.Contains(got, "category:brick") || !strings.Contains(got, "channel:alerts") {
		t.Errorf("compiled filter %q", got)
	}
	if n.Target() != "/usr/local/bin/page --team storage" || n.String() != "exec /usr/local/bin/page --team storage" {
		t.Errorf("Target %q, String %q", n.Target(), n.String())
	}

	// Written and read back: the same notifier, its id kept.
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Encode()) != string(c.Encode()) || back.Notifiers[0].ID != n.ID {
		t.Errorf("round trip changed the file:\n%s\n---\n%s", c.Encode(), back.Encode())
	}

	for name, bad := range map[string]string{
		"unknown key":           strings.Replace(text, "max_in_flight = 4", "max_inflight = 4", 1),
		"unknown sub-table key": strings.Replace(text, "batch = true", "bacth = true", 1),
		"unknown kind table":    text + "\n[notifier.pager]\nx = 1\n",
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCluster(path); err == nil || !strings.Contains(err.Error(), "unknown key") {
			t.Errorf("%s: LoadCluster = %v, want an unknown key error", name, err)
		}
	}
	for name, tc := range map[string]struct{ text, want string }{
		"unknown channel":   {strings.Replace(text, `channel = "alerts"`, `channel = "pagers"`, 1), `notifier[0].filter: unknown channel "pagers" (defined: alerts)`},
		"two with one name": {text + "\n[[notifier]]\nname = \"pager\"\nkind = \"exec\"\n[notifier.exec]\ncommand = [\"/bin/true\"]\n", "notifier[1].name: same name as notifier[0]"},
	} {
		if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCluster(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: LoadCluster = %v, want %q", name, err, tc.want)
		}
	}
}

func TestNotifierCloneAndFind(t *testing.T) {
	c := DefaultCluster()
	c.Notifiers = []Notifier{execNotifier("/bin/a", "x"), execNotifier("/bin/b")}
	c.Notifiers[0].ID, c.Notifiers[0].Name = "n1", "first"
	c.Notifiers[1].ID = "n2"
	cl := c.Clone()
	cl.Notifiers[0].Exec.Command[1] = "changed"
	if c.Notifiers[0].Exec.Command[1] != "x" {
		t.Error("Clone shares the exec command with the original")
	}
	if r := c.Redacted(); r.Notifiers[0].Exec == c.Notifiers[0].Exec || r.Notifiers[0].Target() != "/bin/a x" {
		t.Errorf("Redacted %+v", r.Notifiers[0])
	}
	for ref, want := range map[string]string{"n1": "n1", "first": "n1", "n2": "n2", "": "", "nosuch": ""} {
		got := ""
		if n := c.FindNotifier(ref); n != nil {
			got = n.ID
		}
		if got != want {
			t.Errorf("FindNotifier(%q) = %q, want %q", ref, got, want)
		}
	}
	if n, ok := c.RemoveNotifier("first"); !ok || n.ID != "n1" || len(c.Notifiers) != 1 || c.Notifiers[0].ID != "n2" {
		t.Errorf("RemoveNotifier: %v %v, left %+v", n.ID, ok, c.Notifiers)
	}
	if kinds := NotifierKinds(); !slices.Equal(kinds, []string{KindEmail, KindExec, KindSNMP}) {
		t.Errorf("NotifierKinds = %v", kinds)
	}
}

func TestExecTarget(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"/bin/x"}, "/bin/x"},
		{[]string{"/bin/sh", "-c", "echo $A > /tmp/x"}, `/bin/sh -c "echo $A > /tmp/x"`},
		{[]string{"/bin/x", ""}, `/bin/x ""`},
	} {
		e := ExecNotifier{Command: tc.argv}
		if got := e.Target(); got != tc.want {
			t.Errorf("Target(%q) = %s, want %s", tc.argv, got, tc.want)
		}
	}
}
