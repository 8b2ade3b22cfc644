// Package config is the typed, strict TOML configuration of gluster-eventing.
//
// There are two files. The node-local file (type [Node], default
// [DefaultNodePath]) says how this node's daemon runs: listen addresses,
// directories, log level, bus, journal limits. The cluster-shared file (type
// [Cluster], at [ClusterPath] under glusterd's working directory) is identical
// on every peer and holds the webhooks, their secrets and the legacy
// gluster-eventsapi keys; it is written with mode 0600 and carries a generation
// number and a [Cluster.Digest] so peers can tell which copy is newest.
//
// The package exists so that the daemon and the CLI read, check and write these
// files in exactly one way: unknown keys and wrong types are errors that name
// file and line, values are validated as a whole, and writes are atomic (temp
// file, fsync, rename, fsync of the directory). It also imports Gluster's
// legacy webhooks.json and config.json and implements the legacy
// config-get/set/reset semantics.
//
// Imported by cmd/ (config and webhook commands, import), daemon/ (load at
// start and on reload) and webhooks/ ([Webhook] settings, filters and
// secrets). It has no package-level mutable state.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the only value of the "version" key this package reads
// and writes.
const SchemaVersion = 1

var (
	// ErrNotExist is returned, wrapped, by LoadNode and LoadCluster when the
	// file does not exist. They return the defaults alongside it.
	ErrNotExist = errors.New("config file does not exist")

	// ErrInvalid matches every error about the content of a config: TOML
	// syntax, unknown keys, wrong types, unsupported version and failed
	// validation.
	ErrInvalid = errors.New("invalid config")

	// ErrUnknownKey is returned, wrapped, by the legacy key accessors
	// (Get, Set, Reset) for a name that is not one of LegacyKeys.
	ErrUnknownKey = errors.New("unknown config key")

	// ErrInvalidValue is returned, wrapped, by Cluster.Set for a value the key
	// does not accept.
	ErrInvalidValue = errors.New("invalid value")
)

// fieldError is one validation problem, naming the field it is about, such as
// "webhook[2].url". It matches ErrInvalid.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string        { return e.field + ": " + e.msg }
func (e *fieldError) Is(target error) bool { return target == ErrInvalid }

// problems collects validation errors; err joins them.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &fieldError{field: field, msg: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }

// Duration is a time.Duration written in TOML as a Go duration string such as
// "15s" or "72h".
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q (want a Go duration such as \"15s\" or \"72h\")", text)
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler. It drops the zero minutes
// and seconds time.Duration.String adds: "72h", not "72h0m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String returns the duration in the form MarshalText writes.
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Size is a number of bytes. In TOML it is an integer or a string with an
// optional binary unit: 65536, "65536", "64KiB", "64MiB", "1GiB".
type Size int64

// Binary size units.
const (
	KiB Size = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

// sizeUnit returns the multiplier of a unit name, or 0 if it is not one.
func sizeUnit(name string) Size {
	switch strings.ToLower(name) {
	case "", "b":
		return 1
	case "kib":
		return KiB
	case "mib":
		return MiB
	case "gib":
		return GiB
	case "tib":
		return TiB
	}
	return 0
}

// UnmarshalText implements encoding.TextUnmarshaler. The TOML decoder passes
// integers through it as decimal text.
func (s *Size) UnmarshalText(text []byte) error {
	str := strings.TrimSpace(string(text))
	digits := strings.TrimRight(str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ")
	unit := strings.TrimSpace(str[len(digits):])
	bad := fmt.Errorf("invalid size %q (want bytes, or a number with unit B, KiB, MiB, GiB or TiB)", text)
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 || strings.ContainsAny(digits, "+-") {
		return bad
	}
	mult := int64(sizeUnit(unit))
	if mult == 0 || n > (1<<63-1)/mult {
		return bad
	}
	*s = Size(n * mult)
	return nil
}

// MarshalText implements encoding.TextMarshaler, using the largest unit that
// divides the size exactly.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// String returns the size in the form MarshalText writes, such as "64MiB".
func (s Size) String() string {
	for _, unit := range [...]string{"TiB", "GiB", "MiB", "KiB"} {
		if n := sizeUnit(unit); s != 0 && s%n == 0 {
			return strconv.FormatInt(int64(s/n), 10) + unit
		}
	}
	return strconv.FormatInt(int64(s), 10)
}
