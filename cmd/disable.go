package cmd

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// Selective disable: the cluster config's "disabled" list, which every
// daemon applies at intake (disabled events are never journaled; they are
// counted per name in status and /metrics). disable and enable are cluster
// changes like config-set; enabling one name inside a disabled glob adds
// an exception ("!VOLUME_START" after "Volume.*") rather than refusing.

// patternHint is the hint of a pattern that names no event.
const patternHint = "a pattern is an event name (VOLUME_START), a glob (VOLUME_*) or Gluster's dotted spelling (Volume.*, Georep.State.Faulty); " +
	"quote globs so that the shell leaves them alone"

// DisableCmd turns event keys off on every node.
type DisableCmd struct {
	Patterns []string `arg:"" name:"pattern" help:"Event names, globs (VOLUME_*) or Gluster's dotted spelling (Volume.*, Georep.State.Faulty)."`
}

// Help is the detail of disable --help.
func (c *DisableCmd) Help() string {
	return "Every node's daemon drops the events the patterns name as they arrive: they are never journaled, so no webhook, " +
		"notifier, stream or D-Bus client sees them, and status and /metrics count them per name " +
		"(gluster_eventing_events_disabled_total). The change travels with the cluster config like every other setting. " +
		"Exit status 2 when every event named is disabled already. The state table learns of the changes a disabled event " +
		"would have told it at its next reconciliation with glusterd (every minute)."
}

func (c *DisableCmd) Run(env *Env, g *Globals) error {
	return changeDisabled(env, g, c.Patterns, true)
}

// EnableCmd turns disabled event keys on again on every node.
type EnableCmd struct {
	Patterns []string `arg:"" name:"pattern" help:"Event names, globs (VOLUME_*) or Gluster's dotted spelling (Volume.*), as for disable."`
}

// Help is the detail of enable --help.
func (c *EnableCmd) Help() string {
	return "Turns on exactly the events the patterns name: enable Volume.* after disable Volume.* removes it; " +
		"enable VOLUME_START while Volume.* is disabled keeps the other volume events disabled and adds the exception " +
		"!VOLUME_START to the list. Exit status 2 (no change) when none of the events named is disabled."
}

func (c *EnableCmd) Run(env *Env, g *Globals) error {
	return changeDisabled(env, g, c.Patterns, false)
}

// changeDisabled disables (or enables) patterns on every node.
func changeDisabled(env *Env, g *Globals, patterns []string, disable bool) error {
	// Refuse a pattern that names nothing before anything is asked.
	var names []gfevent.Type
	for _, p := range patterns {
		ts, err := patternNames(p)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if !slices.Contains(names, t) {
				names = append(names, t)
			}
		}
	}
	verb, op := "disabled", (*config.Cluster).Disable
	if !disable {
		verb, op = "enabled", (*config.Cluster).Enable
	}
	out := map[string]any{}
	var unchanged []string
	err := changeCluster(env, g, change{
		done:       fmt.Sprintf("%s %s: %s", verb, strings.Join(patterns, ", "), plural(len(names), "event type")),
		extra:      out,
		syncFailed: ExitConfigSyncFailed,
		fn: func(cl *config.Cluster) error {
			unchanged = unchanged[:0]
			for _, p := range patterns {
				changed, err := op(cl, p)
				if err != nil {
					return &Error{Code: ExitInvalidConfig, Err: err, Hints: []string{patternHint}}
				}
				if !changed {
					unchanged = append(unchanged, p)
				}
			}
			if len(unchanged) == len(patterns) {
				return noChange(cl, patterns, disable)
			}
			out["disabled"] = nonNil(cl.Disabled)
			out["events"] = disabledEventNames(cl)
			return nil
		},
	})
	if err == nil {
		for _, p := range unchanged {
			state := "was already disabled"
			if !disable {
				state = "was not disabled"
			}
			fmt.Fprintf(env.Stderr, "%s: note: %s %s\n", env.Prog, p, state)
		}
	}
	return err
}

// patternNames are the event types a pattern names, or a usage error
// with the closest known names.
func patternNames(p string) ([]gfevent.Type, error) {
	if strings.HasPrefix(p, "!") {
		return nil, &Error{Code: ExitInvalidConfig, Err: fmt.Errorf("%q: a pattern starts with an event name, not '!'", p),
			Hints: []string{"to turn events on again, use enable PATTERN"}}
	}
	ts, err := filter.Names(p)
	if err != nil {
		return nil, &Error{Code: ExitInvalidConfig, Err: err, Hints: []string{patternHint}}
	}
	return ts, nil
}

// noChange is the exit 2 of a disable or enable that changes nothing.
func noChange(cl *config.Cluster, patterns []string, disable bool) error {
	if !disable {
		return &Error{Code: ExitNoChange, Err: fmt.Errorf("%s %s not disabled", strings.Join(patterns, ", "), isAre(len(patterns))),
			Hints: []string{"'gluster-eventing disabled' lists what is disabled"}}
	}
	var by []string
	for _, p := range patterns {
		ts, _ := filter.Names(p)
		for _, t := range ts {
			if e := cl.DisabledBy(t); e != "" && !slices.Contains(by, e) {
				by = append(by, e)
			}
		}
	}
	return errorf(ExitNoChange, "%s %s already disabled (by %s)", strings.Join(patterns, ", "), isAre(len(patterns)), strings.Join(by, ", "))
}

// DisabledCmd lists what is disabled.
type DisabledCmd struct{}

// Help is the detail of disabled --help.
func (c *DisabledCmd) Help() string {
	return "Shows the cluster config's disabled list as this node holds it, each pattern with the events it names " +
		"(a pattern starting with ! is an exception that keeps those events on), and every event type disabled. " +
		"The counts of the events dropped are in status --local and /metrics."
}

func (c *DisabledCmd) Run(env *Env, g *Globals) error {
	_, cl, err := env.shownCluster(g)
	if err != nil {
		return err
	}
	type entry struct {
		Pattern   string   `json:"pattern"`
		Exception bool     `json:"exception"`
		Events    []string `json:"events"`
	}
	entries := []entry{}
	for _, e := range cl.Disabled {
		p, neg := strings.CutPrefix(e, "!")
		ts, err := filter.Names(p)
		if err != nil {
			return &Error{Code: ExitInvalidConfig, Err: err} // LoadCluster validated it
		}
		entries = append(entries, entry{Pattern: e, Exception: neg, Events: typeNames(ts)})
	}
	events := disabledEventNames(cl)
	if g.JSON {
		out := map[string]any{"disabled": nonNil(cl.Disabled), "entries": entries, "events": events, "generation": cl.Generation}
		if g.Legacy {
			return env.printJSON(map[string]any{"output": out, "error": ""})
		}
		return env.printJSON(out)
	}
	if len(entries) == 0 {
		fmt.Fprintln(env.Stdout, "no events are disabled")
		return nil
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PATTERN\tEVENTS")
	for _, e := range entries {
		what := "disables"
		if e.Exception {
			what = "keeps"
		}
		fmt.Fprintf(w, "%s\t%s %s\n", e.Pattern, what, strings.Join(e.Events, " "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d of %d event types disabled on every node (config generation %d)\n",
		len(events), gfevent.NumTypes, cl.Generation)
	return nil
}

// disabledEventNames are the names of the event types cl disables, in id
// order, [] for none.
func disabledEventNames(cl *config.Cluster) []string {
	s, err := cl.DisabledSet()
	if err != nil || s == nil {
		return []string{}
	}
	return typeNames(s.Types())
}

func typeNames(ts []gfevent.Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// disabledStatus is the "Disabled:" line of status --local: the list and
// the events dropped since the daemon started, most first; "" when
// nothing is or was disabled.
func disabledStatus(st *api.Status) string {
	var total uint64
	for _, n := range st.Intake.Disabled {
		total += n
	}
	if len(st.Config.Disabled) == 0 && total == 0 {
		return ""
	}
	list := "none now"
	if len(st.Config.Disabled) > 0 {
		list = strings.Join(st.Config.Disabled, ", ")
	}
	names := slices.Collect(maps.Keys(st.Intake.Disabled))
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(st.Intake.Disabled[b], st.Intake.Disabled[a]), cmp.Compare(a, b))
	})
	var dropped []string
	for _, n := range names {
		if c := st.Intake.Disabled[n]; c > 0 {
			dropped = append(dropped, fmt.Sprintf("%s %d", n, c))
		}
	}
	return fmt.Sprintf("%s; dropped %d%s", list, total, parens(strings.Join(dropped, ", ")))
}
