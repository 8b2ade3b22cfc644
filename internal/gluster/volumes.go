package gluster

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// Volume is one volume of "gluster volume info all": its layout and
// options, as glusterd stores them (whether its bricks run is in
// VolumeStatus).
type Volume struct {
	Name   string
	UUID   string
	Status string // "Created", "Started", "Stopped"
	Type   string // "Distribute", "Replicate", "Disperse", "Distributed-Replicate", ...
	// Transport is "tcp", "rdma" or "tcp,rdma".
	Transport string

	BrickCount, DistCount, ReplicaCount, ArbiterCount, DisperseCount, RedundancyCount int

	Bricks  []VolumeBrick // in layout order: replica/disperse sets are consecutive runs
	Options map[string]string
}

// VolumeBrick is one brick of a volume's layout.
type VolumeBrick struct {
	Name     string // "host:/path", as given at volume create
	HostUUID string
	Arbiter  bool
}

// Host and Path split Name at its first colon.
func (b VolumeBrick) Host() string { h, _, _ := strings.Cut(b.Name, ":"); return h }

// Path is the brick's directory on its host.
func (b VolumeBrick) Path() string { _, p, _ := strings.Cut(b.Name, ":"); return p }

// BrickStatus is one brick of "gluster volume status all detail": only
// started volumes are listed, and only their bricks (no daemons).
type BrickStatus struct {
	Volume   string
	Hostname string
	Path     string
	PeerID   string // the brick host's glusterd UUID
	Online   bool
	Port     int // 0 when not listening ("N/A")
	PID      int // 0 when not running ("N/A" or -1)
}

// PoolPeer is one node of "gluster pool list" with every name glusterd knows
// it by (self is the one with Hostname "localhost").
type PoolPeer struct {
	UUID      string
	Hostname  string
	Hostnames []string
	Connected bool
	State     string // "Peer in Cluster", ...; empty for self
}

// Pool returns "gluster pool list", one entry per node.
func (c *CLI) Pool(ctx context.Context) ([]PoolPeer, error) {
	out, err := c.run(ctx, "pool", "list")
	if err != nil {
		return nil, err
	}
	return parsePool(out)
}

func parsePool(b []byte) ([]PoolPeer, error) {
	var o struct {
		cliOutput
		Peers []struct {
			UUID      string   `xml:"uuid"`
			Hostname  string   `xml:"hostname"`
			Hostnames []string `xml:"hostnames>hostname"`
			Connected int      `xml:"connected"`
			StateStr  string   `xml:"stateStr"`
		} `xml:"peerStatus>peer"`
	}
	if err := decode(b, "pool list", &o.cliOutput, &o); err != nil {
		return nil, err
	}
	peers := make([]PoolPeer, 0, len(o.Peers))
	for _, p := range o.Peers {
		peers = append(peers, PoolPeer{UUID: p.UUID, Hostname: p.Hostname, Hostnames: p.Hostnames,
			Connected: p.Connected == 1, State: p.StateStr})
	}
	return peers, nil
}

// VolumeInfo returns "gluster volume info all": every volume, started or
// not. No volumes is an empty list, not an error.
func (c *CLI) VolumeInfo(ctx context.Context) ([]Volume, error) {
	out, err := c.run(ctx, "volume", "info", "all")
	if err != nil {
		return nil, err
	}
	return parseVolumeInfo(out)
}

func parseVolumeInfo(b []byte) ([]Volume, error) {
	var o struct {
		cliOutput
		Volumes []struct {
			Name            string `xml:"name"`
			ID              string `xml:"id"`
			StatusStr       string `xml:"statusStr"`
			TypeStr         string `xml:"typeStr"`
			Transport       int    `xml:"transport"`
			BrickCount      int    `xml:"brickCount"`
			DistCount       int    `xml:"distCount"`
			ReplicaCount    int    `xml:"replicaCount"`
			ArbiterCount    int    `xml:"arbiterCount"`
			DisperseCount   int    `xml:"disperseCount"`
			RedundancyCount int    `xml:"redundancyCount"`
			Bricks          []struct {
				Name     string `xml:"name"`
				HostUUID string `xml:"hostUuid"`
				Arbiter  int    `xml:"isArbiter"`
			} `xml:"bricks>brick"`
			Options []struct {
				Name  string `xml:"name"`
				Value string `xml:"value"`
			} `xml:"options>option"`
		} `xml:"volInfo>volumes>volume"`
	}
	if err := decode(b, "volume info", &o.cliOutput, &o); err != nil {
		return nil, err
	}
	vols := make([]Volume, 0, len(o.Volumes))
	for _, v := range o.Volumes {
		vol := Volume{
			Name: v.Name, UUID: v.ID, Status: v.StatusStr, Type: v.TypeStr, Transport: transport(v.Transport),
			BrickCount: v.BrickCount, DistCount: v.DistCount, ReplicaCount: v.ReplicaCount, ArbiterCount: v.ArbiterCount,
			DisperseCount: v.DisperseCount, RedundancyCount: v.RedundancyCount,
			Options: make(map[string]string, len(v.Options)),
		}
		for _, br := range v.Bricks {
			vol.Bricks = append(vol.Bricks, VolumeBrick{Name: br.Name, HostUUID: br.HostUUID, Arbiter: br.Arbiter == 1})
		}
		for _, opt := range v.Options {
			vol.Options[opt.Name] = opt.Value
		}
		vols = append(vols, vol)
	}
	return vols, nil
}

// transport names glusterd's transport type (GF_TRANSPORT_*).
func transport(t int) string {
	switch t {
	case 0:
		return "tcp"
	case 1:
		return "rdma"
	case 2:
		return "tcp,rdma"
	}
	return strconv.Itoa(t)
}

// VolumeStatus returns the bricks of "gluster volume status all detail":
// those of started volumes only. With no volume started it is empty.
func (c *CLI) VolumeStatus(ctx context.Context) ([]BrickStatus, error) {
	out, err := c.run(ctx, "volume", "status", "all", "detail")
	if err != nil {
		return nil, err
	}
	return parseVolumeStatus(out)
}

func parseVolumeStatus(b []byte) ([]BrickStatus, error) {
	var o struct {
		cliOutput
		Volumes []struct {
			Name  string `xml:"volName"`
			Nodes []struct {
				Hostname string `xml:"hostname"`
				Path     string `xml:"path"`
				PeerID   string `xml:"peerid"`
				Status   int    `xml:"status"`
				Port     string `xml:"port"`
				PID      string `xml:"pid"`
			} `xml:"node"`
		} `xml:"volStatus>volumes>volume"`
	}
	if err := decode(b, "volume status", &o.cliOutput, &o); err != nil {
		if oe, ok := err.(*OpError); ok && noVolumes(oe) {
			return []BrickStatus{}, nil
		}
		return nil, err
	}
	out := []BrickStatus{}
	for _, v := range o.Volumes {
		for _, n := range v.Nodes {
			if !strings.HasPrefix(n.Path, "/") {
				continue // a daemon ("Self-heal Daemon" on "localhost"), not a brick
			}
			out = append(out, BrickStatus{Volume: v.Name, Hostname: n.Hostname, Path: n.Path, PeerID: n.PeerID,
				Online: n.Status == 1, Port: number(n.Port), PID: number(n.PID)})
		}
	}
	return out, nil
}

// noVolumes tells the failures that only mean "nothing to show" from real
// ones: "volume status all" answers opRet -1 when no volume exists or none
// is started.
func noVolumes(e *OpError) bool {
	m := strings.ToLower(e.Msg)
	return strings.Contains(m, "no volumes present") || strings.Contains(m, "not started")
}

// number reads a port or pid; "N/A", "-1" and garbage are 0.
func number(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// decode unmarshals a "gluster --xml" answer into v (which embeds env) and
// turns a non-zero opRet into an *OpError.
func decode(b []byte, command string, env *cliOutput, v any) error {
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("gluster %s: decoding XML: %w", command, err)
	}
	if env.OpRet != 0 {
		return &OpError{Command: command, Ret: env.OpRet, Errno: env.OpErrno, Msg: env.OpErrstr}
	}
	return nil
}
