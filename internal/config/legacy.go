package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The legacy gluster-eventsapi config keys.
const (
	KeyLogLevel         = "log-level"
	KeyPort             = "port"
	KeyDisableEventsLog = "disable-events-log"
)

// LegacyKeys returns the names config-get, config-set and config-reset
// accept, in gluster-eventsapi's order.
func LegacyKeys() []string {
	return []string{KeyLogLevel, KeyPort, KeyDisableEventsLog}
}

// RestartNeeded reports whether a change of the legacy key takes effect
// only after the daemon restarts (gluster-eventsapi's RESTART_CONFIGS: port).
func RestartNeeded(key string) bool { return key == KeyPort }

func unknownKey(name string) error {
	return fmt.Errorf("%w %q (known: %s)", ErrUnknownKey, name, strings.Join(LegacyKeys(), ", "))
}

// validLogLevel accepts the cluster config's log levels in either file's
// spelling (loglevel.go).
func validLogLevel(s string) bool {
	_, ok := clusterLogLevel(s)
	return ok
}

// Get returns the value of a legacy key as text: "INFO", "55555", "false".
func (c *Cluster) Get(name string) (string, error) {
	switch name {
	case KeyLogLevel:
		return c.LogLevel, nil
	case KeyPort:
		return strconv.Itoa(c.Port), nil
	case KeyDisableEventsLog:
		return strconv.FormatBool(c.DisableEventsLog), nil
	}
	return "", unknownKey(name)
}

// Set sets a legacy key from text, comparing typed values: changed is false
// if the key already had that value (so "disable-events-log no" is the same
// as false). log-level takes either config's spelling in any case (warn is
// WARNING) and is stored as DEBUG, INFO, WARNING or ERROR; port is
// 1-65535; disable-events-log accepts 1/0, true/false, yes/no and on/off in
// any case. restartNeeded is true when a changed key needs a daemon restart
// (port). Errors wrap ErrUnknownKey or ErrInvalidValue.
func (c *Cluster) Set(name, value string) (changed, restartNeeded bool, err error) {
	v := strings.TrimSpace(value)
	switch name {
	case KeyLogLevel:
		level, ok := clusterLogLevel(v)
		if !ok {
			return false, false, fmt.Errorf("%s: %w %q (want DEBUG, INFO, WARNING or ERROR)", name, ErrInvalidValue, value)
		}
		changed = c.LogLevel != level
		c.LogLevel = level
	case KeyPort:
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return false, false, fmt.Errorf("%s: %w %q (want a number between 1 and 65535)", name, ErrInvalidValue, value)
		}
		changed = c.Port != port
		c.Port = port
	case KeyDisableEventsLog:
		b, ok := parseBool(v)
		if !ok {
			return false, false, fmt.Errorf("%s: %w %q (want true or false)", name, ErrInvalidValue, value)
		}
		changed = c.DisableEventsLog != b
		c.DisableEventsLog = b
	default:
		return false, false, unknownKey(name)
	}
	return changed, changed && RestartNeeded(name), nil
}

func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// Reset sets a legacy key, or every one if name is "all", back to its
// default. changed is false if it already was. Resetting port needs a
// restart; see RestartNeeded.
func (c *Cluster) Reset(name string) (changed bool, err error) {
	names := []string{name}
	if name == "all" {
		names = LegacyKeys()
	}
	defaults := DefaultCluster()
	for _, n := range names {
		v, err := defaults.Get(n)
		if err != nil {
			return false, err
		}
		ch, _, err := c.Set(n, v)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	return changed, nil
}

// ImportLegacy builds a cluster config from Gluster's files in eventsDir
// (<glusterd workdir>/events): webhooks.json, {"<url>": {"token": "...",
// "secret": "..."}} where a value may also be a plain string (the token), and
// config.json, any of {"log-level": ..., "port": ..., "disable-events-log":
// ...}. A missing or empty file contributes nothing; other keys in
// config.json are ignored, as Gluster ignores them. Webhooks are imported
// in URL order with format "legacy" and the default delivery settings. The
// result is validated.
func ImportLegacy(eventsDir string) (*Cluster, error) {
	c := DefaultCluster()

	file := filepath.Join(eventsDir, LegacyWebhooksFile)
	data, err := readBlank(file)
	if err != nil {
		return nil, err
	}
	if c.Webhooks, err = parseLegacyWebhooks(file, data); err != nil {
		return nil, err
	}

	settings, err := legacySettings(eventsDir)
	if err != nil {
		return nil, err
	}
	for _, s := range settings {
		if _, _, err := c.Set(s.key, s.value); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(eventsDir, "config.json"), err)
		}
	}

	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("import from %s: %w", eventsDir, err)
	}
	return c, nil
}

type legacySetting struct{ key, value string }

// legacySettings reads the legacy keys that eventsDir/config.json sets, in
// LegacyKeys order, as text ("INFO", "55555", "false").
func legacySettings(eventsDir string) ([]legacySetting, error) {
	var raw map[string]json.RawMessage
	if err := readJSON(filepath.Join(eventsDir, "config.json"), &raw); err != nil {
		return nil, err
	}
	var out []legacySetting
	for _, key := range LegacyKeys() {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			continue
		}
		var text string
		if json.Unmarshal(v, &text) != nil {
			text = string(v) // a number or a bool
		}
		out = append(out, legacySetting{key, text})
	}
	return out, nil
}

// parseLegacyWebhooks decodes webhooks.json content, {"<url>": {"token":
// "...", "secret": "..."}} where a value may also be a plain string (the
// token): legacy-format webhooks with the default settings and the ids
// their URLs give, in URL order. Blank content holds none.
func parseLegacyWebhooks(file string, data []byte) ([]Webhook, error) {
	hooks := []Webhook{}
	if len(bytes.TrimSpace(data)) == 0 {
		return hooks, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, u := range slices.Sorted(maps.Keys(raw)) {
		w := DefaultWebhook()
		w.URL = u
		w.ID = IDFromURL(u)
		if err := json.Unmarshal(raw[u], &w.Token); err != nil {
			var v struct{ Token, Secret string }
			if err := json.Unmarshal(raw[u], &v); err != nil {
				return nil, fmt.Errorf("%s: webhook %q: want a token string or {\"token\": ..., \"secret\": ...}: %w", file, redactURL(u), err)
			}
			w.Token, w.Secret = v.Token, v.Secret
		}
		hooks = append(hooks, w)
	}
	return hooks, nil
}

// readBlank reads a file; a missing one reads as empty.
func readBlank(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// readJSON decodes a JSON file into v; a missing or blank file leaves v as is.
func readJSON(file string, v any) error {
	data, err := readBlank(file)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
