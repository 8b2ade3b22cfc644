package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/gluster/gluster-eventing/internal/config"
)

// Version names one cluster config: its generation, the node where the
// change that made it was typed, and the SHA-256 of its file content
// (config.Cluster.Encode).
type Version struct {
	Generation int64  `json:"generation"`
	Origin     string `json:"origin"`
	Digest     string `json:"digest"`
}

// VersionOf returns c's version.
func VersionOf(c *config.Cluster) Version {
	return Version{Generation: c.Generation, Origin: c.Origin, Digest: c.Digest()}
}

// DigestOf returns the hex SHA-256 of a config file's content.
func DigestOf(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Newer reports whether v wins over o. This is the one ordering rule of
// cluster configs, which every node applies the same way: the higher
// generation wins; of two different configs with the same generation (two
// changes made at once on two nodes), the one with the lower origin
// (lexically, "" lowest), and with the same origin too, the lower digest.
// Equal generation and digest is the same config: neither is newer.
func (v Version) Newer(o Version) bool {
	switch {
	case v.Generation != o.Generation:
		return v.Generation > o.Generation
	case v.Digest == o.Digest:
		return false
	case v.Origin != o.Origin:
		return v.Origin < o.Origin
	}
	return v.Digest < o.Digest
}

// Same reports whether v and o are the same config.
func (v Version) Same(o Version) bool {
	return v.Generation == o.Generation && v.Digest == o.Digest
}

func (v Version) String() string {
	origin := v.Origin
	if origin == "" {
		origin = "(none)"
	}
	d := v.Digest
	if len(d) > 12 {
		d = d[:12]
	}
	return fmt.Sprintf("generation %d from node %s (digest %s)", v.Generation, origin, d)
}

// NodeVersion is the config version one node holds.
type NodeVersion struct {
	Node    Node
	Version Version
	// Exists is false when the node has no cluster config file (it runs
	// on the defaults, generation 0).
	Exists bool
	Err    error // the node did not answer, or could not read its config
}

// ConfigInfo is the output of node-config (and, with part/parts/data, of
// each chunk of node-config content).
type ConfigInfo struct {
	Version
	Exists bool `json:"exists"`
	// Part (1-based) and Parts number the chunks of node-config content;
	// Data is the chunk's bytes.
	Part  int    `json:"part,omitempty"`
	Parts int    `json:"parts,omitempty"`
	Data  []byte `json:"data,omitempty"` // base64 in JSON
}

// ChunkSize is how many bytes of the config one node-config content line
// carries: 4/3 of it in base64 plus the reply's other fields stay well
// under MaxLine.
const ChunkSize = 2400

// Chunks splits content into the outputs of node-config content.
func Chunks(v Version, exists bool, content []byte) []ConfigInfo {
	parts := max(1, (len(content)+ChunkSize-1)/ChunkSize)
	out := make([]ConfigInfo, 0, parts)
	for i := range parts {
		end := min(len(content), (i+1)*ChunkSize)
		out = append(out, ConfigInfo{Version: v, Exists: exists, Part: i + 1, Parts: parts,
			Data: content[i*ChunkSize : end]})
	}
	return out
}

// Reassemble joins the chunks of one node's node-config content and checks
// them: every part once, one version, and the digest of the whole.
func Reassemble(chunks []ConfigInfo) ([]byte, Version, error) {
	if len(chunks) == 0 {
		return nil, Version{}, errors.New("no config chunks")
	}
	v, parts := chunks[0].Version, chunks[0].Parts
	if parts != len(chunks) {
		return nil, v, fmt.Errorf("got %d config chunks of %d", len(chunks), parts)
	}
	sorted := slices.Clone(chunks)
	slices.SortFunc(sorted, func(a, b ConfigInfo) int { return a.Part - b.Part })
	var content []byte
	for i, ch := range sorted {
		if ch.Part != i+1 || ch.Parts != parts || ch.Version != v {
			return nil, v, fmt.Errorf("config chunks do not fit together (part %d/%d of %s)", ch.Part, ch.Parts, ch.Version)
		}
		content = append(content, ch.Data...)
	}
	if d := DigestOf(content); d != v.Digest {
		return nil, v, fmt.Errorf("reassembled config has digest %s, want %s", d, v.Digest)
	}
	return content, v, nil
}

// Versions asks every node which config it holds (node-config).
func (c *Channel) Versions(ctx context.Context) ([]NodeVersion, error) {
	results, err := c.Execute(ctx, ActionConfig)
	if results == nil {
		return nil, err
	}
	out := make([]NodeVersion, len(results))
	for i, r := range results {
		out[i].Node = r.Node
		if p := r.Problem(); p != nil {
			out[i].Err = p
			continue
		}
		var info ConfigInfo
		if err := decodeOutput(r.Replies[0], &info); err != nil {
			out[i].Err = fmt.Errorf("node-config reply: %w", err)
			continue
		}
		out[i].Version, out[i].Exists = info.Version, info.Exists
	}
	return out, err
}

// Fetch returns the config file of node nodeUUID (node-config content
// UUID), checked against its digest.
func (c *Channel) Fetch(ctx context.Context, nodeUUID string) ([]byte, Version, error) {
	results, err := c.Execute(ctx, ActionConfig, "content", nodeUUID)
	if results == nil {
		return nil, Version{}, err
	}
	i := slices.IndexFunc(results, func(r Result) bool { return r.Node.UUID == nodeUUID })
	if i < 0 {
		return nil, Version{}, fmt.Errorf("fetching the config of node %s: not in pool list", nodeUUID)
	}
	r := results[i]
	if p := r.Problem(); p != nil {
		return nil, Version{}, fmt.Errorf("fetching the config of node %s (%s): %w", nodeUUID, r.Node.Hostname, p)
	}
	chunks := make([]ConfigInfo, 0, len(r.Replies))
	for _, rep := range r.Replies {
		var info ConfigInfo
		if err := decodeOutput(rep, &info); err != nil {
			return nil, Version{}, fmt.Errorf("fetching the config of node %s: %w", nodeUUID, err)
		}
		chunks = append(chunks, info)
	}
	content, v, rerr := Reassemble(chunks)
	if rerr != nil {
		return nil, v, fmt.Errorf("fetching the config of node %s: %w", nodeUUID, rerr)
	}
	return content, v, nil
}
