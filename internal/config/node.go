package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Default locations.
const (
	// DefaultNodePath is where the node-local config lives (a package conffile).
	DefaultNodePath = "/etc/gluster-eventing/gluster-eventing.toml"
	// DefaultGlusterdWorkdir is glusterd's working directory.
	DefaultGlusterdWorkdir = "/var/lib/glusterd"
	// ClusterFileName is the cluster-shared config's name inside
	// <glusterd workdir>/events/.
	ClusterFileName = "gluster-eventing.toml"
)

// ClusterPath returns the cluster-shared config's path for a glusterd
// working directory: <workdir>/events/gluster-eventing.toml.
func ClusterPath(glusterdWorkdir string) string {
	return filepath.Join(glusterdWorkdir, "events", ClusterFileName)
}

// Node is the node-local config, /etc/gluster-eventing/gluster-eventing.toml.
type Node struct {
	Version int `toml:"version"`
	// Listen are the UDP intake addresses (host:port); "[::]" is dual-stack.
	Listen []string `toml:"listen"`
	// APISocket is the unix socket of the local HTTP API.
	APISocket string `toml:"api_socket"`
	StateDir  string `toml:"state_dir"`
	PIDFile   string `toml:"pid_file"`
	// GlusterdWorkdir is glusterd's working directory.
	GlusterdWorkdir string `toml:"glusterd_workdir"`
	// ClusterConfig is the cluster-shared config's path; empty means
	// ClusterPath(GlusterdWorkdir). Use ClusterConfigPath.
	ClusterConfig string `toml:"cluster_config"`
	// LogLevel is debug, info, warn or error. The file may spell it as the
	// cluster config does (WARNING) and in any case; LoadNode stores it as
	// here.
	LogLevel string `toml:"log_level"`
	// EventsLog, if set, is a file that gets every published event as a
	// JSON line.
	EventsLog string `toml:"events_log"`
	// Bus is the D-Bus bus to export on: system, session or none.
	Bus string `toml:"bus"`
	// ReceiveBuffer is the UDP socket receive buffer size.
	ReceiveBuffer Size `toml:"receive_buffer"`
	// AllowSources are the IPs and CIDRs (and the keywords "loopback" and
	// "peers": the addresses of the peers in "gluster pool list") that
	// may send events; empty accepts all. Use AllowPrefixes.
	AllowSources []string `toml:"allow_sources"`
	// PeerSyncInterval is how often the daemon compares its cluster config
	// with the other nodes' and pulls a newer one; 0 compares only at
	// start and when a peer (re)connects.
	PeerSyncInterval Duration `toml:"peer_sync_interval"`
	// PeerListen is the TCP address (host:port) where the daemon serves
	// its events to the other nodes' daemons, which pull them
	// (authenticated with the cluster config's peer key); every node
	// dials its peers at this port. "" turns forwarding off on this node.
	PeerListen string  `toml:"peer_listen"`
	Journal    Journal `toml:"journal"`
	// HTTP is the HTTP API's TCP listener.
	HTTP HTTP `toml:"http"`
}

// Journal bounds the local event journal.
type Journal struct {
	// MaxBytes and MaxAge bound retention; the oldest events go first.
	MaxBytes Size     `toml:"max_bytes"`
	MaxAge   Duration `toml:"max_age"`
	// CommitDelay is how long a group commit waits to collect events; 0
	// commits as soon as the previous commit is done (groups then form
	// from what arrives during an fsync), which gives the lowest latency.
	CommitDelay Duration `toml:"commit_delay"`
}

// DefaultNode returns the node config the daemon uses when there is no file.
func DefaultNode() *Node {
	return &Node{
		Version:          SchemaVersion,
		Listen:           []string{"[::]:55555"},
		APISocket:        "/run/gluster-eventing/api.sock",
		StateDir:         "/var/lib/gluster-eventing",
		PIDFile:          "/run/gluster-eventing/gluster-eventing.pid",
		GlusterdWorkdir:  DefaultGlusterdWorkdir,
		LogLevel:         "info",
		Bus:              "system",
		ReceiveBuffer:    64 * MiB,
		AllowSources:     []string{},
		PeerSyncInterval: Duration(30 * time.Second),
		PeerListen:       DefaultPeerListen,
		Journal: Journal{
			MaxBytes:    1 * GiB,
			MaxAge:      Duration(7 * 24 * time.Hour),
			CommitDelay: 0,
		},
		HTTP: DefaultHTTP(),
	}
}

// LoadNode reads, strictly decodes and validates the node config at path.
// Keys the file leaves out keep their defaults. If the file does not exist
// it returns DefaultNode() and an error wrapping ErrNotExist.
func LoadNode(path string) (*Node, error) {
	text, err := readFile(path)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return DefaultNode(), err
		}
		return nil, err
	}
	n := DefaultNode()
	md, err := decodeStrict(path, text, n)
	if err != nil {
		return nil, err
	}
	if err := checkStrict(path, text, md, reflect.TypeFor[Node](), n.Version); err != nil {
		return nil, err
	}
	if l, ok := nodeLogLevel(n.LogLevel); ok {
		n.LogLevel = l
	}
	if err := n.Validate(); err != nil {
		return nil, inFile(path, err)
	}
	return n, nil
}

// WriteNode validates n and writes it atomically to path with mode 0644.
func WriteNode(path string, n *Node) error {
	if err := n.Validate(); err != nil {
		return inFile(path, err)
	}
	return WriteFileAtomic(path, n.Encode(), 0o644)
}

// Encode returns n as the TOML WriteNode writes.
func (n *Node) Encode() []byte {
	return encode("# gluster-eventing node-local configuration; see gluster-eventing.toml(5).\n\n", n)
}

// ClusterConfigPath returns where the cluster-shared config is.
func (n *Node) ClusterConfigPath() string {
	if n.ClusterConfig != "" {
		return n.ClusterConfig
	}
	return ClusterPath(n.GlusterdWorkdir)
}

// The allow_sources keywords.
const (
	AllowLoopback = "loopback"
	// AllowPeers stands for the addresses of glusterd's peers, which the
	// daemon looks up with "gluster pool list" at start, on reload and
	// periodically.
	AllowPeers = "peers"
)

// AllowsPeers reports whether AllowSources has the "peers" keyword.
func (n *Node) AllowsPeers() bool { return slices.Contains(n.AllowSources, AllowPeers) }

// AllowPrefixes returns AllowSources as prefixes; "loopback" becomes
// 127.0.0.0/8 and ::1/128, a bare IP a single-address prefix. Entries that do
// not parse (Validate reports them) are skipped. An empty result means every
// source is allowed. Compare with the sender's address unmapped
// (netip.Addr.Unmap), since a dual-stack socket reports IPv4 senders as
// ::ffff:a.b.c.d.
func (n *Node) AllowPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range n.AllowSources {
		if s == AllowLoopback {
			out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
		} else if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.WithZone(""), a.BitLen()))
		}
	}
	return out
}

// Validate checks every field and returns all problems joined, each naming
// its field.
func (n *Node) Validate() error {
	var p problems
	if n.Version != SchemaVersion {
		p.add("version", "unsupported version %d (want %d)", n.Version, SchemaVersion)
	}
	if len(n.Listen) == 0 {
		p.add("listen", "at least one address is required")
	}
	seen := map[string]bool{}
	for i, a := range n.Listen {
		field := fmt.Sprintf("listen[%d]", i)
		if err := checkListenAddr(a); err != nil {
			p.add(field, "%q: %v", a, err)
		} else if seen[a] {
			p.add(field, "%q is listed twice", a)
		}
		seen[a] = true
	}
	for _, f := range []struct {
		field, path string
		optional    bool
	}{
		{"api_socket", n.APISocket, false},
		{"state_dir", n.StateDir, false},
		{"pid_file", n.PIDFile, false},
		{"glusterd_workdir", n.GlusterdWorkdir, false},
		{"cluster_config", n.ClusterConfig, true},
		{"events_log", n.EventsLog, true},
	} {
		switch {
		case f.optional && f.path == "":
		case !filepath.IsAbs(f.path):
			p.add(f.field, "must be an absolute path, not %q", f.path)
		}
	}
	if _, ok := nodeLogLevel(n.LogLevel); !ok {
		p.add("log_level", "%q is not one of debug, info, warn, error (or DEBUG, INFO, WARNING, ERROR)", n.LogLevel)
	}
	switch n.Bus {
	case "system", "session", "none":
	default:
		p.add("bus", "%q is not one of system, session, none", n.Bus)
	}
	if n.ReceiveBuffer <= 0 {
		p.add("receive_buffer", "must be positive")
	}
	for i, s := range n.AllowSources {
		if s == AllowLoopback || s == AllowPeers {
			continue
		}
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err != nil {
			p.add(fmt.Sprintf("allow_sources[%d]", i), "%q is not an IP address, a CIDR, \"loopback\" or \"peers\"", s)
		}
	}
	if n.Journal.MaxBytes <= 0 {
		p.add("journal.max_bytes", "must be positive")
	}
	if n.Journal.MaxAge <= 0 {
		p.add("journal.max_age", "must be positive")
	}
	if n.PeerListen != "" {
		if err := checkListenAddr(n.PeerListen); err != nil {
			p.add("peer_listen", "%q: %v", n.PeerListen, err)
		}
	}
	if n.PeerSyncInterval < 0 {
		p.add("peer_sync_interval", "must not be negative (0 compares only at start and when a peer connects)")
	}
	if n.Journal.CommitDelay < 0 || n.Journal.CommitDelay > Duration(time.Second) {
		p.add("journal.commit_delay", "must be between 0s and 1s, not %s", n.Journal.CommitDelay)
	}
	n.HTTP.validate(&p)
	return p.err()
}

// checkListenAddr accepts host:port where host is empty, an IP literal
// (IPv6 in brackets, zone allowed) or "localhost" and port is 1-65535.
func checkListenAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want host:port, such as \"[::]:55555\" or \"0.0.0.0:55555\"")
	}
	if host != "" && host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host %q is not an IP address", host)
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number between 1 and 65535", port)
	}
	return nil
}
