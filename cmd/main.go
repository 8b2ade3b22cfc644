// Package cmd is the gluster-eventing command line: the kong command tree,
// the argv[0] aliases (glustereventsd, gluster-eventsapi,
// peer_gluster-eventing), typed exit codes and the one place errors are
// printed. Commands are thin layers over the daemon, webhooks and internal
// packages. main.go imports it; so do the man page generator and the
// testscripts, for the kong model.
package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/gluster/gluster-eventing/internal/config"
)

// Program names the binary answers to; main.go picks one from argv[0].
type Program string

const (
	ProgMain       Program = "gluster-eventing"
	ProgDaemon     Program = "glustereventsd"
	ProgLegacyAPI  Program = "gluster-eventsapi"
	ProgPeerHelper Program = "peer_gluster-eventing"
)

// ProgramFor maps argv[0]'s base name to a Program; unknown names are
// ProgMain.
func ProgramFor(base string) Program {
	switch p := Program(base); p {
	case ProgDaemon, ProgLegacyAPI, ProgPeerHelper:
		return p
	}
	return ProgMain
}

// VersionInfo is set by main from link-time variables.
type VersionInfo struct {
	Version string
	Commit  string
	Date    string
}

// Env is what a command may use from its surroundings. Commands get it by
// kong binding and write only to its Stdout and Stderr. (The environment
// variables of the protocols it speaks, NOTIFY_SOCKET, WATCHDOG_USEC,
// LISTEN_FDS, are read by go-systemd, and kong reads
// GLUSTER_EVENTING_CONFIG.)
type Env struct {
	Ctx     context.Context
	Prog    Program
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version VersionInfo

	// channelFor, if set, replaces the cluster channel (unit tests).
	channelFor func(*config.Node) (clusterChannel, error)
}

// exitPanic carries kong's exit requests (after --help) out of Parse.
type exitPanic struct{ code int }

// Main runs the program prog with args (without argv[0]) and returns the
// process exit code.
func Main(prog Program, args []string, stdin io.Reader, stdout, stderr io.Writer, vi VersionInfo) (code int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Ctx: ctx, Prog: prog, Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Version: vi}
	return env.run(args)
}

// NewParser builds the kong parser of prog's command tree, writing help to
// stdout and stderr. The man page generator and the help goldens use it too.
func NewParser(prog Program, cli *CLI, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name(string(prog)),
		kong.Description(description(prog)),
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Vars{"default_config": DefaultNodeConfig, "webhook_format": defaultFormat(prog)},
	)
}

func (env *Env) run(args []string) (code int) {
	if env.Prog == ProgPeerHelper {
		return env.runPeer(args) // only the node actions: see peer.go
	}
	args = env.translateArgs(args)
	noArgs := len(args) == 0
	if noArgs {
		args = []string{"--help"}
	}
	// --json applies to usage errors too, before kong has set it.
	jsonOut := slices.Contains(args, "--json")
	cli := &CLI{}
	parser, err := NewParser(env.Prog, cli, env.Stdout, env.Stderr, func(c int) { panic(exitPanic{c}) })
	if err != nil {
		return env.report(jsonOut, fmt.Errorf("building the command line: %w", err))
	}
	defer func() {
		if r := recover(); r != nil {
			ep, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			code = ep.code
		}
		// Running without a command shows the help and is a usage error.
		if noArgs && code == 0 {
			code = int(ExitUsage)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var pe *kong.ParseError
		if errors.As(err, &pe) {
			return env.report(jsonOut, &Error{Code: ExitUsage, Err: err,
				Hints: []string{fmt.Sprintf("run '%s --help' for usage", env.Prog)}})
		}
		return env.report(jsonOut, err)
	}
	kctx.Bind(env)
	return env.report(cli.JSON, kctx.Run(&cli.Globals))
}

// translateArgs makes the aliases' legacy argument lists fit the tree.
func (env *Env) translateArgs(args []string) []string {
	switch env.Prog {
	case ProgDaemon:
		// glustereventsd [-p PIDFILE] runs the daemon.
		return append([]string{"daemon", "--legacy"}, args...)
	case ProgLegacyAPI:
		return append([]string{"--legacy"}, args...)
	}
	return args
}

// defaultFormat says, for --format's help, which body format webhook-add
// gives a new webhook: the legacy alias keeps glustereventsd's body, the
// native command line signs (and its help is the man page's).
func defaultFormat(p Program) string {
	if p == ProgLegacyAPI {
		return "legacy"
	}
	return "standard (legacy under gluster-eventsapi)"
}

func description(p Program) string {
	switch p {
	case ProgDaemon:
		return "Gluster eventing daemon (gluster-eventing, glustereventsd compatible)."
	case ProgLegacyAPI:
		return "Manage Gluster eventing webhooks and config (gluster-eventing, gluster-eventsapi compatible)."
	case ProgPeerHelper:
		return "Node-side half of gluster-eventing's cluster commands, run by glusterd's system:: execute on every node: node actions only, one JSON reply per line, always exit status 0."
	}
	return "Gluster eventing: lossless intake of Gluster events, durable journal, webhooks and notifiers, filters, cluster state, D-Bus export, HTTP API with event streams and a live dashboard, one event view of the whole cluster from any node."
}

// report prints err once (with hints) and returns its exit code.
func (env *Env) report(asJSON bool, err error) int {
	if err == nil {
		return int(ExitOK)
	}
	code := ExitError
	var hints []string
	var e *Error
	if errors.As(err, &e) {
		code = e.Code
		hints = e.Hints
	}
	var ec kong.ExitCoder
	if e == nil && errors.As(err, &ec) {
		code = ExitCode(ec.ExitCode())
	}
	msg := strings.TrimSuffix(err.Error(), ".")
	if asJSON && (e == nil || !e.Printed) {
		out := map[string]any{"output": "", "error": msg, "exit_code": int(code)}
		if len(hints) > 0 {
			out["hints"] = hints
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(env.Stdout, "%s\n", b)
	}
	fmt.Fprintf(env.Stderr, "%s: error: %s\n", env.Prog, msg)
	for _, h := range hints {
		fmt.Fprintf(env.Stderr, "%s: hint: %s\n", env.Prog, h)
	}
	return int(code)
}

// printJSON writes v as indented JSON followed by a newline.
func (env *Env) printJSON(v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
