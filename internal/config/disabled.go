package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// The cluster config's "disabled" list turns event keys off cluster-wide:
// the daemons drop those events at intake, before the journal, and count
// them per name. Each entry is a pattern as filter.Names reads it (an
// event name, a glob such as "VOLUME_*", or Gluster's dotted spelling
// "Volume.*", "Georep.State.Faulty"), kept as the operator typed it, or
// "!PATTERN", an exception that turns those events on again. Entries are
// read in order and the last one naming an event decides, as in a
// .gitignore: ["Volume.*", "!VOLUME_START"] drops every volume event but
// VOLUME_START. Disable and Enable keep the list minimal.

// DisabledSet is the set of disabled event types, indexed by type.
type DisabledSet [gfevent.NumTypes]bool

// Count is the number of disabled types.
func (s *DisabledSet) Count() int {
	n := 0
	for _, d := range s {
		if d {
			n++
		}
	}
	return n
}

// Types returns the disabled types in id order.
func (s *DisabledSet) Types() []gfevent.Type {
	var out []gfevent.Type
	for t, d := range s {
		if d {
			out = append(out, gfevent.Type(t))
		}
	}
	return out
}

// DisabledSet resolves the disabled list. It returns nil when no event is
// disabled, so that the intake's check costs one nil test.
func (c *Cluster) DisabledSet() (*DisabledSet, error) {
	s, err := resolveDisabled(c.Disabled)
	if err != nil || s.Count() == 0 {
		return nil, err
	}
	return s, nil
}

// DisabledBy returns the entry that disables t, "" when t is not disabled.
func (c *Cluster) DisabledBy(t gfevent.Type) string {
	by := ""
	for _, e := range c.Disabled {
		names, neg, err := disabledEntry(e)
		if err != nil || !slices.Contains(names, t) {
			continue
		}
		by = e
		if neg {
			by = ""
		}
	}
	return by
}

// Disable turns off the events pattern names (see filter.Names), and no
// other. changed is false when all of them were disabled already. An
// invalid pattern is an error wrapping ErrInvalidValue.
func (c *Cluster) Disable(pattern string) (changed bool, err error) {
	names, err := disabledNames(pattern)
	if err != nil {
		return false, err
	}
	before, err := resolveDisabled(c.Disabled)
	if err != nil {
		return false, err
	}
	if all(before, names) {
		return false, nil
	}
	c.Disabled = slices.DeleteFunc(c.Disabled, func(e string) bool { return e == pattern || e == "!"+pattern })
	c.Disabled = append(c.Disabled, pattern)
	c.Disabled = minimalDisabled(c.Disabled)
	return true, nil
}

// Enable turns on again the events pattern names, and no other: the entry
// pattern is removed, and if a broader one still disables some of them
// (Enable("VOLUME_START") under "Volume.*"), the exception "!"+pattern is
// added. changed is false when none of them was disabled. An invalid
// pattern is an error wrapping ErrInvalidValue.
func (c *Cluster) Enable(pattern string) (changed bool, err error) {
	names, err := disabledNames(pattern)
	if err != nil {
		return false, err
	}
	before, err := resolveDisabled(c.Disabled)
	if err != nil {
		return false, err
	}
	if none(before, names) {
		return false, nil
	}
	c.Disabled = slices.DeleteFunc(c.Disabled, func(e string) bool { return e == pattern })
	if now, err := resolveDisabled(c.Disabled); err == nil && !none(now, names) {
		c.Disabled = append(c.Disabled, "!"+pattern)
	}
	c.Disabled = minimalDisabled(c.Disabled)
	return true, nil
}

// validateDisabled checks every entry of the disabled list.
func (c *Cluster) validateDisabled(p *problems) {
	for i, e := range c.Disabled {
		if _, _, err := disabledEntry(e); err != nil {
			p.add(fmt.Sprintf("disabled[%d]", i), "%v", err)
		}
	}
}

// disabledEntry reads one entry of the list: its event types, and whether
// it is an exception ("!PATTERN").
func disabledEntry(e string) (names []gfevent.Type, neg bool, err error) {
	pattern, neg := strings.CutPrefix(e, "!")
	names, err = disabledNames(pattern)
	return names, neg, err
}

func disabledNames(pattern string) ([]gfevent.Type, error) {
	if strings.TrimSpace(pattern) == "" {
		return nil, fmt.Errorf("%w: an empty pattern names no event", ErrInvalidValue)
	}
	if strings.HasPrefix(pattern, "!") {
		return nil, fmt.Errorf("%w %q: a pattern starts with an event name, not '!' (enable turns events on again)", ErrInvalidValue, pattern)
	}
	names, err := filter.Names(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	return names, nil
}

// resolveDisabled evaluates a disabled list: in order, each entry sets its
// events, to disabled or (an exception) enabled.
func resolveDisabled(entries []string) (*DisabledSet, error) {
	var s DisabledSet
	for _, e := range entries {
		names, neg, err := disabledEntry(e)
		if err != nil {
			return nil, err
		}
		for _, t := range names {
			s[t] = !neg
		}
	}
	return &s, nil
}

// minimalDisabled drops the entries whose removal changes nothing: a
// pattern a later broader one covers, an exception with nothing disabled
// to except from, a pattern a later exception undoes entirely.
func minimalDisabled(entries []string) []string {
	want, err := resolveDisabled(entries)
	if err != nil {
		return entries
	}
	for i := 0; i < len(entries); {
		without := slices.Delete(slices.Clone(entries), i, i+1)
		if s, err := resolveDisabled(without); err == nil && *s == *want {
			entries = without
			continue
		}
		i++
	}
	return entries
}

func all(s *DisabledSet, names []gfevent.Type) bool {
	return !slices.ContainsFunc(names, func(t gfevent.Type) bool { return !s[t] })
}

func none(s *DisabledSet, names []gfevent.Type) bool {
	return !slices.ContainsFunc(names, func(t gfevent.Type) bool { return s[t] })
}
