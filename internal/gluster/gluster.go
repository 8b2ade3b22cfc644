// Package gluster runs the gluster CLI (gluster --mode=script --xml ...) and
// decodes its XML. glusterd is the authority on peers and volumes; the daemon
// asks it which addresses belong to the cluster. Imported by daemon/.
package gluster

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// CLI runs the gluster command line.
type CLI struct {
	// Path is the gluster binary; empty means "gluster" on $PATH.
	Path string
}

// Peer is one entry of "gluster pool list": every peer, self included (as
// "localhost").
type Peer struct {
	UUID      string
	Hostname  string
	Connected bool
}

// cliOutput is the envelope of every "gluster --xml" answer. The exit
// status is 0 even when the operation failed: opRet says.
type cliOutput struct {
	OpRet    int    `xml:"opRet"`
	OpErrno  int    `xml:"opErrno"`
	OpErrstr string `xml:"opErrstr"`
	Peers    []struct {
		UUID      string   `xml:"uuid"`
		Hostname  string   `xml:"hostname"`
		Hostnames []string `xml:"hostnames>hostname"`
		Connected int      `xml:"connected"`
	} `xml:"peerStatus>peer"`
}

// OpError is a failure glusterd reported in <opRet>/<opErrstr>.
type OpError struct {
	Command string
	Ret     int
	Errno   int
	Msg     string
}

func (e *OpError) Error() string {
	return fmt.Sprintf("gluster %s: %s (opRet %d, opErrno %d)", e.Command, e.Msg, e.Ret, e.Errno)
}

// PoolList returns the peers of "gluster pool list".
func (c *CLI) PoolList(ctx context.Context) ([]Peer, error) {
	out, err := c.run(ctx, "pool", "list")
	if err != nil {
		return nil, err
	}
	return parsePoolList(out)
}

func parsePoolList(b []byte) ([]Peer, error) {
	var o cliOutput
	if err := xml.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("gluster pool list: decoding XML: %w", err)
	}
	if o.OpRet != 0 {
		return nil, &OpError{Command: "pool list", Ret: o.OpRet, Errno: o.OpErrno, Msg: o.OpErrstr}
	}
	peers := make([]Peer, 0, len(o.Peers))
	for _, p := range o.Peers {
		peers = append(peers, Peer{UUID: p.UUID, Hostname: p.Hostname, Connected: p.Connected == 1})
		// Peers known by several names list them all; keep each.
		for _, h := range p.Hostnames {
			if h != p.Hostname {
				peers = append(peers, Peer{UUID: p.UUID, Hostname: h, Connected: p.Connected == 1})
			}
		}
	}
	return peers, nil
}

// RunError is a gluster command that exited non-zero (or could not run).
// Output is what it printed on stdout and stderr, trimmed: the gluster CLI
// prints most failures ("Connection failed. Please check if gluster daemon
// is operational.", "Commit failed on HOST. Error: ...", "Another
// transaction is in progress ...") on one of them.
type RunError struct {
	Args   []string // after the --mode=script (and --xml) options
	Output string
	Err    error // an *exec.ExitError, exec.ErrNotFound, a context error, ...
}

func (e *RunError) Error() string {
	if e.Output == "" {
		return fmt.Sprintf("gluster %s: %v", strings.Join(e.Args, " "), e.Err)
	}
	return fmt.Sprintf("gluster %s: %v: %s", strings.Join(e.Args, " "), e.Err, e.Output)
}

func (e *RunError) Unwrap() error { return e.Err }

// Execute runs "gluster system:: execute NAME ARGS...": glusterd runs
// <libexec>/peer_NAME ARGS... on every connected node, this one first, and
// the CLI prints each node's stdout lines, which Execute returns as they
// are. A "--" goes before the arguments, so that the gluster CLI does not
// take an argument such as "--force" for its own option; peer_NAME gets it
// as its first argument. glusterd skips nodes whose glusterd is down
// without saying so: compare with PoolList.
func (c *CLI) Execute(ctx context.Context, name string, args ...string) ([]byte, error) {
	argv := []string{"system::", "execute", name}
	if len(args) > 0 {
		argv = append(append(argv, "--"), args...)
	}
	return c.exec(ctx, false, argv...)
}

// CopyFile runs "gluster system:: copy file PATH": glusterd copies
// <workdir>/PATH from this node to the same path on every connected peer.
// The peers write it in place (not atomically) and need its directory to
// exist already; a failure on one peer is an error naming it ("Commit
// failed on HOST. Error: Unable to open ...").
func (c *CLI) CopyFile(ctx context.Context, path string) error {
	_, err := c.exec(ctx, false, "system::", "copy", "file", path)
	return err
}

// UUID returns this node's glusterd UUID ("gluster system:: uuid get").
func (c *CLI) UUID(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "system::", "uuid", "get")
	if err != nil {
		return "", err
	}
	var o struct {
		cliOutput
		UUID string `xml:"uuidGenerate>uuid"`
	}
	if err := xml.Unmarshal(out, &o); err != nil {
		return "", fmt.Errorf("gluster system:: uuid get: decoding XML: %w", err)
	}
	if o.OpRet != 0 {
		return "", &OpError{Command: "system:: uuid get", Ret: o.OpRet, Errno: o.OpErrno, Msg: o.OpErrstr}
	}
	if o.UUID == "" {
		return "", errors.New("gluster system:: uuid get: no uuid in the answer")
	}
	return o.UUID, nil
}

func (c *CLI) run(ctx context.Context, args ...string) ([]byte, error) {
	return c.exec(ctx, true, args...)
}

// exec runs gluster --mode=script [--xml] args... and returns its stdout;
// a failure is a *RunError.
func (c *CLI) exec(ctx context.Context, asXML bool, args ...string) ([]byte, error) {
	path := c.Path
	if path == "" {
		path = "gluster"
	}
	opts := []string{"--mode=script"}
	if asXML {
		opts = append(opts, "--xml")
	}
	cmd := exec.CommandContext(ctx, path, append(opts, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		msg := strings.TrimSpace(stderr.String())
		if o := strings.TrimSpace(string(out)); o != "" {
			msg = strings.TrimSpace(o + "\n" + msg)
		}
		return out, &RunError{Args: args, Output: msg, Err: err}
	}
	return out, nil
}
