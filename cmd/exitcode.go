package cmd

import "fmt"

// ExitCode is the process exit status. 0-9 keep the meanings of Gluster's
// gluster-eventsapi (eventsapiconf.py) so existing automation keeps working;
// gluster-eventing's own meanings start at 10.
type ExitCode int

const (
	ExitOK                ExitCode = 0  // success
	ExitError             ExitCode = 1  // any other error
	ExitNoChange          ExitCode = 2  // value already set / already the default
	ExitAllNodesFailed    ExitCode = 3  // the command failed on every node
	ExitPartial           ExitCode = 4  // the command failed on some nodes
	ExitWebhookExists     ExitCode = 5  // webhook-add of an existing URL
	ExitWebhookMissing    ExitCode = 6  // webhook-mod/del/test of an unknown URL
	ExitInvalidConfig     ExitCode = 7  // unknown config name or invalid value/file
	ExitWebhookSyncFailed ExitCode = 8  // webhook change not synced to peers
	ExitConfigSyncFailed  ExitCode = 9  // config change not synced to peers
	ExitUsage             ExitCode = 10 // bad command line
	ExitUnreachable       ExitCode = 11 // the local daemon's API is not reachable
	// 12 meant "not implemented yet" while the commands were being built;
	// every command is built now, and 12 is not reused.
	ExitDaemonTimeout ExitCode = 13 // the local daemon took the request but did not answer in time
	ExitDaemonError   ExitCode = 14 // the local daemon answered with an error (or an unreadable answer)
)

// ExitCodeInfo is one row of the exit status table.
type ExitCodeInfo struct {
	Code    ExitCode
	Meaning string
}

// ExitCodes returns every code with its meaning, for help text and man pages.
func ExitCodes() []ExitCodeInfo {
	return []ExitCodeInfo{
		{ExitOK, "success"},
		{ExitError, "error"},
		{ExitNoChange, "nothing to change: the value is already set or already the default"},
		{ExitAllNodesFailed, "the command failed on every node"},
		{ExitPartial, "the command failed on some nodes"},
		{ExitWebhookExists, "the webhook (or notifier) already exists"},
		{ExitWebhookMissing, "the webhook (or notifier) does not exist"},
		{ExitInvalidConfig, "invalid configuration name, value or file"},
		{ExitWebhookSyncFailed, "the webhook (or notifier) change could not be synced to the peers"},
		{ExitConfigSyncFailed, "the config change could not be synced to the peers"},
		{ExitUsage, "usage error"},
		{ExitUnreachable, "the local daemon is not reachable: it is not running (no API socket, or nothing listens on it), or this user may not use its socket. After a config change only the latter: a daemon that is not running reads the file when it starts"},
		{ExitDaemonTimeout, "the local daemon took the request but did not answer in time; it may still carry it out. After a config change: the change is written, its reload not confirmed"},
		{ExitDaemonError, "the local daemon answered with an error, or with an answer that could not be read. After a config change: the change is written, the daemon did not apply it"},
	}
}

// Error is an error with an exit code and hints for the user.
type Error struct {
	Code  ExitCode
	Err   error
	Hints []string
	// Printed says the command already wrote its JSON result (which holds
	// the error) to stdout: report then prints only to stderr.
	Printed bool
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode implements kong.ExitCoder.
func (e *Error) ExitCode() int { return int(e.Code) }

func errorf(code ExitCode, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}
