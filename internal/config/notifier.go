package config

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/gluster/gluster-eventing/internal/filter"
)

// Notifier kinds: the value of a [[notifier]]'s kind, which is also the
// name of its kind's sub-table ([notifier.exec]).
const (
	KindExec  = "exec"
	KindEmail = "email"
	KindSNMP  = "snmp"
)

// Notifier is one [[notifier]] table: a consumer of the journal that is
// not an HTTP webhook (a command, a mail server, an SNMP manager), with a
// cursor, retries, dead letters and health exactly like a webhook's.
//
// The settings every kind shares are fields of Notifier; those of one kind
// are in its sub-table, a pointer field of Notifier whose toml tag is the
// kind's name and whose type implements [NotifierKind]. A kind is added by
// adding such a field (and its type, in a file of its own): decoding,
// strict key checks, validation, cloning and redaction find it by
// reflection.
type Notifier struct {
	// ID names the notifier for good (its journal cursor and state are
	// keyed by it); notifier-add assigns a random one.
	ID string `toml:"id" json:"id"`
	// Name is an optional label, unique among notifiers, that commands
	// accept in place of the id.
	Name string `toml:"name,omitempty" json:"name,omitempty"`
	// Kind is KindExec, KindEmail or KindSNMP; its sub-table must be set
	// and no other kind's.
	Kind string `toml:"kind" json:"kind"`
	// Filter is a filter expression (see internal/filter) the events must
	// match; "" matches every event. Channel names a [channels.NAME] whose
	// filter they must match too.
	Filter  string `toml:"filter,omitempty" json:"filter,omitempty"`
	Channel string `toml:"channel,omitempty" json:"channel,omitempty"`
	// Resolved is Filter and Channel parsed against the cluster's
	// channels, set by Cluster.Validate (so by LoadCluster); see Compiled.
	Resolved *filter.Filter `toml:"-" json:"-"`
	// Dedup drops an event that says what the last one about the same
	// brick, volume, peer or service said, as for webhooks.
	Dedup bool `toml:"dedup,omitempty" json:"dedup,omitempty"`
	// Timeout bounds one delivery attempt (for exec: the command's run,
	// after which its process group is killed).
	Timeout Duration `toml:"timeout" json:"timeout"`
	// MaxInFlight is the number of concurrent deliveries (1-64): for
	// exec, how many commands run at once.
	MaxInFlight int `toml:"max_in_flight" json:"max_in_flight"`
	// MaxAttempts caps the attempts at one event; 0 retries until MaxAge.
	MaxAttempts int `toml:"max_attempts" json:"max_attempts"`
	// MaxAge is how long an event is retried, counted from when it was
	// journaled (or replayed), before it is dead-lettered.
	MaxAge Duration `toml:"max_age" json:"max_age"`

	Exec  *ExecNotifier  `toml:"exec,omitempty" json:"exec,omitempty"`
	Email *EmailNotifier `toml:"email,omitempty" json:"email,omitempty"`
	SNMP  *SNMPNotifier  `toml:"snmp,omitempty" json:"snmp,omitempty"`
}

// NotifierKind is the sub-table of one notifier kind. Its methods see the
// sub-table only; Notifier's methods dispatch to the one its Kind names.
type NotifierKind interface {
	// validateKind adds the sub-table's problems; prefix names it, such
	// as "notifier[2].exec.".
	validateKind(prefix string, p *problems)
	// Target says where the notifier delivers, without secrets, for
	// status, lists and logs: "/usr/local/bin/page-oncall".
	Target() string
	// cloneKind returns a deep copy; redactKind one with every secret
	// replaced by "REDACTED".
	cloneKind() NotifierKind
	redactKind() NotifierKind
}

// ExecNotifier is [notifier.exec]: a command run for each event (or batch
// of events), with the event as JSON on its stdin and as environment
// variables. There is no shell: Command is the argv.
type ExecNotifier struct {
	// Command is the program (an absolute path) and its arguments.
	Command []string `toml:"command" json:"command"`
	// Batch runs the command once for the events at hand, up to MaxBatch,
	// with a JSON array on stdin, instead of once per event.
	Batch bool `toml:"batch,omitempty" json:"batch,omitempty"`
	// MaxBatch bounds the events of one run in batch mode; 0 means 100.
	MaxBatch int `toml:"max_batch,omitzero" json:"max_batch,omitempty"`
}

// DefaultExecMaxBatch is ExecNotifier.MaxBatch when it is 0.
const DefaultExecMaxBatch = 100

// DefaultNotifier returns a notifier with the default delivery settings
// and no kind. A [[notifier]] table starts from these values.
func DefaultNotifier() Notifier {
	return Notifier{
		Timeout:     Duration(15 * time.Second),
		MaxInFlight: 1,
		MaxAge:      Duration(72 * time.Hour),
	}
}

// NotifierKinds returns the kinds a [[notifier]] can have, sorted.
func NotifierKinds() []string {
	var out []string
	for f := range reflect.TypeFor[Notifier]().Fields() {
		if isKindField(f) {
			out = append(out, tomlName(f))
		}
	}
	slices.Sort(out)
	return out
}

var kindType = reflect.TypeFor[NotifierKind]()

func isKindField(f reflect.StructField) bool {
	return f.IsExported() && f.Type.Kind() == reflect.Pointer && f.Type.Implements(kindType)
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// kindFields calls fn with the name and field value of every kind
// sub-table of n (nil or not).
func (n *Notifier) kindFields(fn func(name string, v reflect.Value)) {
	rv := reflect.ValueOf(n).Elem()
	for f := range rv.Type().Fields() {
		if isKindField(f) {
			fn(tomlName(f), rv.FieldByIndex(f.Index))
		}
	}
}

// KindConfig returns the sub-table of n's kind, nil if it is not set.
func (n *Notifier) KindConfig() NotifierKind {
	var out NotifierKind
	n.kindFields(func(name string, v reflect.Value) {
		if name == n.Kind && !v.IsNil() {
			out = v.Interface().(NotifierKind)
		}
	})
	return out
}

// Target says where n delivers, without secrets: its kind's Target, or
// its kind alone when the sub-table is missing.
func (n *Notifier) Target() string {
	if k := n.KindConfig(); k != nil {
		return k.Target()
	}
	return n.Kind
}

// Key is the notifier's id: ID, or one derived from its kind, name and
// target for a notifier written by hand without one (LoadCluster sets it).
func (n *Notifier) Key() string {
	if n.ID != "" {
		return n.ID
	}
	return IDFromURL("notifier\x00" + n.Kind + "\x00" + n.Name + "\x00" + n.Target())
}

// Clone returns a deep copy of n.
func (n *Notifier) Clone() Notifier {
	out := *n
	out.kindFields(func(_ string, v reflect.Value) {
		if !v.IsNil() {
			v.Set(reflect.ValueOf(v.Interface().(NotifierKind).cloneKind()))
		}
	})
	return out
}

// Redacted returns a deep copy of n with every secret replaced by
// "REDACTED", for showing, logging and exporting.
func (n *Notifier) Redacted() Notifier {
	out := *n
	out.kindFields(func(_ string, v reflect.Value) {
		if !v.IsNil() {
			v.Set(reflect.ValueOf(v.Interface().(NotifierKind).redactKind()))
		}
	})
	return out
}

// String describes the notifier without secrets: "exec /usr/local/bin/x".
func (n Notifier) String() string { return n.Kind + " " + n.Target() }

// GoString is String, so that %#v does not print secrets either.
func (n Notifier) GoString() string { return "config.Notifier{" + n.String() + "}" }

// LogValue implements slog.LogValuer without secrets.
func (n Notifier) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", n.Key()),
		slog.String("kind", n.Kind),
		slog.String("target", n.Target()),
		slog.String("filter", n.Filter),
	)
}

// Validate checks one notifier on its own (notifier-add checks the new
// one before the cluster change).
func (n *Notifier) Validate() error {
	var p problems
	n.validate("notifier.", &p)
	return p.err()
}

func (n *Notifier) validate(prefix string, p *problems) {
	if n.ID != "" && !validID(n.ID) {
		p.add(prefix+"id", "%q is not 1 to 64 lower-case letters, digits, '-' or '_'", n.ID)
	}
	if n.Name != "" && !validName(n.Name) {
		p.add(prefix+"name", "%q is not 1 to 64 letters, digits, '.', '-' or '_' (starting with a letter or digit)", n.Name)
	}
	kinds := NotifierKinds()
	if !slices.Contains(kinds, n.Kind) {
		p.add(prefix+"kind", "%q is not one of %s", n.Kind, strings.Join(kinds, ", "))
	}
	n.kindFields(func(name string, v reflect.Value) {
		switch {
		case name == n.Kind && v.IsNil():
			p.add(prefix+name, "missing: a notifier of kind %q needs a [notifier.%s] table", n.Kind, name)
		case name == n.Kind:
			v.Interface().(NotifierKind).validateKind(prefix+name+".", p)
		case !v.IsNil():
			p.add(prefix+name, "only used with kind = %q", name)
		}
	})
	if n.Timeout <= 0 {
		p.add(prefix+"timeout", "must be positive")
	}
	if n.MaxInFlight < 1 || n.MaxInFlight > 64 {
		p.add(prefix+"max_in_flight", "%d is not between 1 and 64", n.MaxInFlight)
	}
	if n.MaxAttempts < 0 {
		p.add(prefix+"max_attempts", "must not be negative (0 retries until max_age)")
	}
	if n.MaxAge <= 0 {
		p.add(prefix+"max_age", "must be positive")
	}
	if _, err := filter.Parse(n.Filter, func(string) (string, bool) { return "", true }); err != nil {
		p.add(prefix+"filter", "%v", err)
	}
	if n.Channel != "" && !validName(n.Channel) {
		p.add(prefix+"channel", "%q is not a channel name", n.Channel)
	}
}

// Compiled returns the notifier's filter: Resolved, or for a notifier
// built in code that no Cluster validated, its filter parsed now without
// channels (one that names a channel then selects nothing rather than
// everything). nil selects every event.
func (n *Notifier) Compiled() *filter.Filter {
	if n.Resolved != nil || (n.Filter == "" && n.Channel == "") {
		return n.Resolved
	}
	f, err := (&Cluster{}).CompileFilter(n.Filter, n.Channel)
	if err != nil {
		return filter.OfTypes(nil)
	}
	return f
}

// validateNotifiers checks every notifier and that ids and names are
// unique among them.
func (c *Cluster) validateNotifiers(p *problems) {
	ids, names := map[string]int{}, map[string]int{}
	for i := range c.Notifiers {
		n := &c.Notifiers[i]
		prefix := fmt.Sprintf("notifier[%d].", i)
		n.validate(prefix, p)
		n.Resolved = nil
		if f, err := c.CompileFilter(n.Filter, n.Channel); err != nil {
			p.add(prefix+"filter", "%v", err)
		} else {
			n.Resolved = f
		}
		if j, dup := ids[n.Key()]; dup {
			p.add(prefix+"id", "same id as notifier[%d]", j)
		} else {
			ids[n.Key()] = i
		}
		if n.Name == "" {
			continue
		}
		if j, dup := names[n.Name]; dup {
			p.add(prefix+"name", "same name as notifier[%d]", j)
		} else {
			names[n.Name] = i
		}
	}
	for i := range c.Notifiers {
		if j, ok := ids[c.Notifiers[i].Name]; ok && j != i {
			p.add(fmt.Sprintf("notifier[%d].name", i), "is the id of notifier[%d]", j)
		}
	}
}

// decodeNotifiers decodes [[notifier]] tables one by one onto
// DefaultNotifier, so that each table's missing keys get the defaults.
func decodeNotifiers(path string, md toml.MetaData, prims []toml.Primitive) ([]Notifier, error) {
	var out []Notifier
	for _, prim := range prims {
		n := DefaultNotifier()
		if err := md.PrimitiveDecode(prim, &n); err != nil {
			return nil, tomlError(path, err)
		}
		if n.ID == "" {
			n.ID = n.Key()
		}
		out = append(out, n)
	}
	return out, nil
}

// FindNotifier returns the notifier that ref names, its id or its name,
// in that order; nil if none does.
func (c *Cluster) FindNotifier(ref string) *Notifier {
	if i := c.notifierIndex(ref); i >= 0 {
		return &c.Notifiers[i]
	}
	return nil
}

// RemoveNotifier deletes the notifier that ref names (see FindNotifier)
// and returns it.
func (c *Cluster) RemoveNotifier(ref string) (Notifier, bool) {
	i := c.notifierIndex(ref)
	if i < 0 {
		return Notifier{}, false
	}
	n := c.Notifiers[i]
	c.Notifiers = slices.Delete(c.Notifiers, i, i+1)
	return n, true
}

func (c *Cluster) notifierIndex(ref string) int {
	if ref == "" {
		return -1
	}
	if i := slices.IndexFunc(c.Notifiers, func(n Notifier) bool { return n.Key() == ref }); i >= 0 {
		return i
	}
	return slices.IndexFunc(c.Notifiers, func(n Notifier) bool { return n.Name == ref })
}

// cloneNotifiers deep-copies ns (nil stays nil).
func cloneNotifiers(ns []Notifier, redact bool) []Notifier {
	if ns == nil {
		return nil
	}
	out := make([]Notifier, len(ns))
	for i := range ns {
		if redact {
			out[i] = ns[i].Redacted()
		} else {
			out[i] = ns[i].Clone()
		}
	}
	return out
}

func (e *ExecNotifier) validateKind(prefix string, p *problems) {
	switch {
	case len(e.Command) == 0 || e.Command[0] == "":
		p.add(prefix+"command", "missing: the program to run and its arguments, such as [\"/usr/local/bin/notify\", \"--flag\"]")
	case !filepath.IsAbs(e.Command[0]):
		p.add(prefix+"command", "the program must be an absolute path, not %q (there is no shell and no PATH search)", e.Command[0])
	}
	for i, a := range e.Command {
		if strings.ContainsRune(a, 0) {
			p.add(fmt.Sprintf("%scommand[%d]", prefix, i), "contains a NUL byte")
		}
	}
	if e.MaxBatch < 0 || e.MaxBatch > 10000 {
		p.add(prefix+"max_batch", "%d is not between 0 and 10000", e.MaxBatch)
	}
	if e.MaxBatch != 0 && !e.Batch {
		p.add(prefix+"max_batch", "only used with batch = true")
	}
}

// Target is the command line, its arguments quoted where they need it.
func (e *ExecNotifier) Target() string {
	parts := make([]string, len(e.Command))
	for i, a := range e.Command {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`") {
			a = fmt.Sprintf("%q", a)
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

func (e *ExecNotifier) cloneKind() NotifierKind {
	out := *e
	out.Command = slices.Clone(e.Command)
	return &out
}

// redactKind: a command line is not a secret (it is in ps too); secrets
// belong in files the command reads.
func (e *ExecNotifier) redactKind() NotifierKind { return e.cloneKind() }

// EffectiveMaxBatch is MaxBatch, or DefaultExecMaxBatch when it is 0.
func (e *ExecNotifier) EffectiveMaxBatch() int {
	if e.MaxBatch > 0 {
		return e.MaxBatch
	}
	return DefaultExecMaxBatch
}
