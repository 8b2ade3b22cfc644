package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"

	"github.com/gluster/gluster-eventing/internal/config"
)

// StagedName is the name, in <workdir>/events, under which a config made
// on node origin travels: a dot file that nothing loads, renamed over
// gluster-eventing.toml by Install once checked. Configs of different
// origins never share a staging file.
func StagedName(origin string) string {
	if origin == "" {
		origin = "none"
	}
	return "." + config.ClusterFileName + "." + origin + ".staged"
}

// validStagedName keeps Install inside the events directory.
func validStagedName(name string) bool {
	return name != "" && !strings.ContainsAny(name, `/\`) && strings.HasPrefix(name, "."+config.ClusterFileName+".") &&
		strings.HasSuffix(name, ".staged")
}

// Stage writes content to <workdir>/events/StagedName(origin), atomically
// and with mode 0600 (it holds secrets), creating events/ (0755) if
// missing, and returns the name. The daemon's catch-up stages a fetched
// config with it before Install.
func Stage(workdir string, content []byte, origin string) (string, error) {
	return stageAs(workdir, content, StagedName(origin))
}

// fetchedName is the staging name of a config a catch-up fetched from
// origin: unique to the fetch, because a push of the same origin's config
// may be staged under StagedName(origin) at that very moment, and Install
// removes the staged file it read.
func fetchedName(origin string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return StagedName(origin + ".fetched-" + hex.EncodeToString(b[:]))
}

func stageAs(workdir string, content []byte, name string) (string, error) {
	dir := filepath.Join(workdir, "events")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("staging the config: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(dir, name), content, 0o600); err != nil {
		return "", fmt.Errorf("staging the config: %w", err)
	}
	return name, nil
}

// InstallResult is what Install did; it is also the output of
// node-install-config.
type InstallResult struct {
	// Installed is false when nothing changed: the node already had this
	// config, or refused it (see the error).
	Installed bool `json:"installed"`
	Version        // the config asked to install
	// Reloaded and ReloadError are the peer program's: whether the local
	// daemon applied the new config (Install itself does not reload).
	Reloaded    bool   `json:"reloaded"`
	ReloadError string `json:"reload_error,omitempty"`
	// Previous is the config the node held before (after a refusal: the
	// newer one it keeps); PreviousExists is false when it had none.
	Previous       Version `json:"previous"`
	PreviousExists bool    `json:"previous_exists"`
	// Refused says the node keeps Previous because it is newer (a
	// *NewerError).
	Refused bool `json:"refused,omitempty"`
}

// NewerError is a refusal to install a config because the node holds a
// newer one (by Version.Newer; for InstallOver, one made at the same time
// that got there first): another change won.
type NewerError struct {
	Have, Offered Version
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("this node holds a newer config (%s) than the one offered (%s)", e.Have, e.Offered)
}

// Install installs the staged config <workdir>/events/<stagedName> as
// <workdir>/events/gluster-eventing.toml, if it is version v:
//
//   - its SHA-256 must be v.Digest, so a truncated or foreign copy is
//     never loaded (it is left alone: it may be another push's);
//   - it must load as config.LoadCluster loads a file (strict keys,
//     validation), and its generation and origin must be v's;
//   - unless force, the node's current config must not be newer than v
//     (a *NewerError, whose Have is the config that stays).
//
// Then, under the same lock as config.Update, the staged file is renamed
// over the live one (atomic: a reader sees the old or the new file) and
// events/webhooks.json is rewritten as its legacy mirror. A staged file
// whose digest matched is removed whatever the outcome. Installing the
// config the node already has changes nothing (Installed false, no
// error). Install does not reload the daemon.
func Install(workdir, stagedName string, v Version, force bool) (InstallResult, error) {
	return install(workdir, stagedName, v, force, nil)
}

// InstallOver is Install for a change made on top of config base (the
// node's config when the change was typed): the node installs v only if it
// holds base, or a config older than base (it missed changes), or nothing.
// A node holding any other config that is not older than base holds a
// change made at the same time, which got there first: that is a
// *NewerError whatever Newer says of the two, so that of two concurrent
// changes the one glusterd serialized first wins on every connected node
// and the other is refused, and reported, on every node, never installed
// and then silently replaced.
func InstallOver(workdir, stagedName string, v, base Version) (InstallResult, error) {
	return install(workdir, stagedName, v, false, &base)
}

func install(workdir, stagedName string, v Version, force bool, base *Version) (InstallResult, error) {
	res := InstallResult{Version: v}
	if !validStagedName(stagedName) {
		return res, fmt.Errorf("installing the config: %q is not a staged config name", stagedName)
	}
	dir := filepath.Join(workdir, "events")
	staged := filepath.Join(dir, stagedName)
	target := config.ClusterPath(workdir)
	content, err := os.ReadFile(staged)
	if errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("installing the config: no staged copy %s (the copy did not reach this node)", staged)
	}
	if err != nil {
		return res, fmt.Errorf("installing the config: %w", err)
	}
	if d := DigestOf(content); d != v.Digest {
		return res, fmt.Errorf("installing the config: the staged copy %s is not the config offered "+
			"(digest %.12s, want %.12s; a truncated or foreign copy): not installed", staged, d, v.Digest)
	}
	// The digest says the staged file is this push's: whatever happens
	// now, it goes (renamed into place, or removed).
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(staged)
		}
	}()

	c, err := config.LoadCluster(staged)
	if err != nil {
		return res, fmt.Errorf("installing the config: %w", err)
	}
	if c.Generation != v.Generation || c.Origin != v.Origin {
		return res, fmt.Errorf("installing the config: the staged copy is generation %d from node %q, not %d from %q",
			c.Generation, c.Origin, v.Generation, v.Origin)
	}

	lock := flock.New(target + ".lock")
	if err := lock.Lock(); err != nil {
		return res, fmt.Errorf("installing the config: lock %s: %w", lock.Path(), err)
	}
	defer lock.Close()
	cur, err := config.LoadCluster(target)
	switch {
	case err == nil:
		res.Previous, res.PreviousExists = VersionOf(cur), true
	case errors.Is(err, config.ErrNotExist):
	default:
		// A live file that does not load is replaced: it is older than
		// anything offered.
		if b, rerr := os.ReadFile(target); rerr == nil {
			res.Previous, res.PreviousExists = Version{Digest: DigestOf(b)}, true
		}
	}
	if res.PreviousExists && err == nil {
		if res.Previous.Same(v) {
			return res, nil
		}
		switch {
		case force:
		case base != nil:
			if !res.Previous.Same(*base) && !base.Newer(res.Previous) {
				res.Refused = true
				return res, &NewerError{Have: res.Previous, Offered: v}
			}
		case res.Previous.Newer(v):
			res.Refused = true
			return res, &NewerError{Have: res.Previous, Offered: v}
		}
	}
	if err := syncFile(staged); err != nil {
		return res, fmt.Errorf("installing the config: %w", err)
	}
	if err := os.Rename(staged, target); err != nil {
		return res, fmt.Errorf("installing the config: %w", err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return res, fmt.Errorf("installing the config: %w", err)
	}
	res.Installed = true
	if err := config.WriteLegacyMirror(dir, c); err != nil {
		return res, fmt.Errorf("installed the config, but not its legacy mirror: %w", err)
	}
	return res, nil
}

// syncFile makes the staged file (written in place by glusterd, which
// does not fsync) durable and 0600 before it is renamed into place.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Push makes every node hold content, the config file of version v
// (content is the config's Encode(), v its VersionOf): node-prepare
// creates <workdir>/events everywhere, the content is staged here and
// copied to every connected peer with system:: copy file, and
// node-install-config has every node, this one included, Install it
// (force: even over a newer config; sync does that) and reload its
// daemon.
//
// It returns the install's results, one per node: a node that did not
// install has Err set (a *NewerError when it holds a newer config, which
// means another change won). The error is for what belongs to no node:
// ErrNoCluster, content that is not v, a local staging failure, or
// Execute's own errors. A failed copy does not stop the install: the
// nodes that got the staged copy install it, the others refuse it by its
// digest and their Err says the copy failed.
func (c *Channel) Push(ctx context.Context, content []byte, v Version, force bool) ([]Result, error) {
	mode := ""
	if force {
		mode = "force"
	}
	return c.push(ctx, content, v, mode)
}

// PushOver is Push for a change made on top of config base (the config it
// was typed against, after catching up): every node installs it with
// InstallOver, so that of two changes made at once the first to reach the
// nodes wins everywhere and the other gets a *NewerError from every node
// that is up (see InstallOver). Cluster changes use it; Push without force
// is for configs that are not changes (the daemon's catch-up uses
// Install).
func (c *Channel) PushOver(ctx context.Context, content []byte, v, base Version) ([]Result, error) {
	return c.push(ctx, content, v, "over="+encodeVersion(base))
}

// encodeVersion and decodeVersion are a Version as one argument,
// GEN,ORIGIN,DIGEST with "-" for an empty origin.
func encodeVersion(v Version) string {
	return fmt.Sprintf("%d,%s,%s", v.Generation, OriginArg(v.Origin), v.Digest)
}

// DecodeVersionArg parses what the over= mode of node-install-config
// carries (GEN,ORIGIN,DIGEST).
func DecodeVersionArg(s string) (Version, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("%q is not GENERATION,ORIGIN,DIGEST", s)
	}
	gen, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return Version{}, fmt.Errorf("%q is not GENERATION,ORIGIN,DIGEST: %w", s, err)
	}
	return Version{Generation: gen, Origin: OriginFromArg(parts[1]), Digest: parts[2]}, nil
}

// OriginArg is origin as an argument of node-install-config: "-" for none
// (glusterd may drop an empty argument).
func OriginArg(origin string) string {
	if origin == "" {
		return "-"
	}
	return origin
}

// OriginFromArg undoes OriginArg.
func OriginFromArg(arg string) string {
	if arg == "-" {
		return ""
	}
	return arg
}

func (c *Channel) push(ctx context.Context, content []byte, v Version, mode string) ([]Result, error) {
	if d := DigestOf(content); d != v.Digest {
		return nil, fmt.Errorf("pushing the config: its digest is %s, not the version's %s", d, v.Digest)
	}
	prep, err := c.Execute(ctx, ActionPrepare)
	if prep == nil {
		return nil, err
	}
	name, err := Stage(c.workdir(), content, v.Origin)
	if err != nil {
		return nil, err
	}
	copyErr := c.retry(ctx, "copy file", func(ctx context.Context) error {
		return c.runner().CopyFile(ctx, "/events/"+name)
	})
	if copyErr != nil {
		if nc := noCluster(copyErr); nc != nil {
			return nil, nc
		}
		copyErr = &ExecError{Action: "copy file", FailedOn: failedOn(copyErr), Err: copyErr}
		c.log().Warn("cluster: copying the config failed", "err", copyErr)
	}
	args := []string{fmt.Sprint(v.Generation), OriginArg(v.Origin), v.Digest}
	if mode != "" {
		args = append(args, mode)
	}
	results, err := c.Execute(ctx, ActionInstallConfig, args...)
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			continue
		}
		if len(r.Replies) == 0 {
			continue
		}
		rep := r.Replies[0]
		if rep.OK {
			continue
		}
		var out InstallResult
		if decodeOutput(rep, &out) == nil && out.Refused {
			r.Err = &NewerError{Have: out.Previous, Offered: v}
			continue
		}
		msg := rep.Error
		if copyErr != nil {
			msg += " (" + copyErr.Error() + ")"
		}
		r.Err = errors.New(msg)
	}
	return results, err
}
