package config

import "strings"

// The node config spells log levels as slog does (debug, info, warn,
// error), the cluster config as gluster-eventsapi did (DEBUG, INFO,
// WARNING, ERROR). Both files accept either spelling in any case; loading
// stores each file's own spelling, so that what is written back and shown
// (config-get) stays the one its readers expect.

// logLevels maps every accepted spelling, lower-cased, to the node and the
// cluster spelling.
var logLevels = map[string][2]string{
	"debug":   {"debug", "DEBUG"},
	"info":    {"info", "INFO"},
	"warn":    {"warn", "WARNING"},
	"warning": {"warn", "WARNING"},
	"error":   {"error", "ERROR"},
}

// nodeLogLevel returns the node config's spelling of the log level s, given
// in either spelling and any case.
func nodeLogLevel(s string) (string, bool) {
	l, ok := logLevels[strings.ToLower(strings.TrimSpace(s))]
	return l[0], ok
}

// clusterLogLevel returns the cluster config's spelling of the log level s,
// given in either spelling and any case.
func clusterLogLevel(s string) (string, bool) {
	l, ok := logLevels[strings.ToLower(strings.TrimSpace(s))]
	return l[1], ok
}
