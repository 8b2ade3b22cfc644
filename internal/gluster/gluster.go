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

func (c *CLI) run(ctx context.Context, args ...string) ([]byte, error) {
	path := c.Path
	if path == "" {
		path = "gluster"
	}
	cmd := exec.CommandContext(ctx, path, append([]string{"--mode=script", "--xml"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("gluster %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("gluster %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}
