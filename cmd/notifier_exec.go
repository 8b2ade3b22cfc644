package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gluster/gluster-eventing/internal/config"
)

// execFlags are the exec notifier's flags (the command itself is the
// positional argv after --).
type execFlags struct {
	Batch    *bool `negatable:"" help:"exec: run the command once for the events at hand (up to --max-batch), a JSON array on stdin, instead of once per event."`
	MaxBatch int   `help:"exec: the most events of one batch run (default 100)."`

	command []string // notifier-mod's positional command, set by its Run
}

func (f *execFlags) kind() string { return config.KindExec }

func (f *execFlags) given() []string {
	return givenNames([]flagGiven{
		{"--batch", f.Batch != nil}, {"--max-batch", f.MaxBatch != 0}, {"a command after --", len(f.command) > 0},
	})
}

func (f *execFlags) apply(_ *Env, n *config.Notifier) error {
	if n.Exec == nil {
		n.Exec = &config.ExecNotifier{}
	}
	if len(f.command) > 0 {
		n.Exec.Command = append([]string(nil), f.command...)
	}
	if f.Batch != nil {
		n.Exec.Batch = *f.Batch
		if !n.Exec.Batch {
			n.Exec.MaxBatch = 0
		}
	}
	if f.MaxBatch != 0 {
		n.Exec.MaxBatch = f.MaxBatch
	}
	return nil
}

// NotifierAddExecCmd is notifier-add exec [flags] -- PROGRAM [ARG...].
type NotifierAddExecCmd struct {
	Command []string `arg:"" optional:"" passthrough:"" name:"command" help:"The program (an absolute path; no shell, no PATH search) and its arguments, after --."`
	notifierFlags
	execFlags
}

// Help is the detail of notifier-add exec --help.
func (c *NotifierAddExecCmd) Help() string {
	return "The command runs once per event (with --batch, once per batch) with the event's standard JSON body on stdin " +
		"(a batch: a JSON array of them) and in the environment: GLUSTER_EVENT (the name), GLUSTER_EVENT_SEQ, _ID, " +
		"_EPOCH, _NODE, _TS, _RECEIVED, _CATEGORY, _SEVERITY, and GLUSTER_FIELD_<KEY> for each field (a batch: " +
		"GLUSTER_BATCH, GLUSTER_EVENT_FIRST_SEQ and _LAST_SEQ). Exit status 0 delivers it; any other exit, or a run " +
		"past --timeout (which kills its process group), is retried with backoff; the first line of its stderr is " +
		"the notifier's last error. It runs as the daemon's user, in /, with the daemon's environment, and under the " +
		"packaged service unit in its sandbox (a read-only file system but for /var/lib/glusterd/events and " +
		"/var/log/glusterfs, a private /tmp): see gluster-eventing.toml(5), [notifier.exec]."
}

func (c *NotifierAddExecCmd) Run(env *Env, g *Globals) error {
	c.Command = stripDashes(c.Command)
	if len(c.Command) == 0 {
		return errorf(ExitUsage, "give the command after --: notifier-add exec [flags] -- /path/to/program [args...]")
	}
	c.execFlags.command = c.Command
	warnProgram(env, c.Command[0])
	return addNotifier(env, g, &c.notifierFlags, &c.execFlags)
}

// warnProgram says on stderr when program is not an executable file on
// this node: the notifier is still added (the program may be installed on
// the other nodes only, or later), and notifier-test checks every node.
func warnProgram(env *Env, program string) {
	if !filepath.IsAbs(program) {
		return // refused with its own error
	}
	fi, err := os.Stat(program)
	switch {
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: warning: %s: %v on this node; 'gluster-eventing notifier-test' runs it on every node\n",
			env.Prog, program, unwrapStatErr(err))
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
		fmt.Fprintf(env.Stderr, "%s: warning: %s is not an executable file on this node; 'gluster-eventing notifier-test' runs it on every node\n",
			env.Prog, program)
	}
}

// unwrapStatErr drops the path os.Stat repeats.
func unwrapStatErr(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// stripDashes drops the "--" a passthrough argument starts with.
func stripDashes(argv []string) []string {
	if len(argv) > 0 && argv[0] == "--" {
		return argv[1:]
	}
	return argv
}
