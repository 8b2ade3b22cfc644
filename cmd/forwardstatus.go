package cmd

import (
	"fmt"
	"strings"

	"github.com/gluster/gluster-eventing/internal/api"
)

// forwardingLine is status's Forwarding line: off and why, or on with
// each peer's state and lag (events of its origins this node lacks).
func forwardingLine(f *api.ForwardStatus) string {
	if f == nil {
		return ""
	}
	if f.State != "on" {
		return "off: " + f.Reason
	}
	s := fmt.Sprintf("on, %s, peer key %s", f.Listen, f.KeyID)
	if f.Reason != "" {
		s += " (" + f.Reason + ")"
	}
	var peers []string
	for _, p := range f.Peers {
		var lag uint64
		for _, o := range p.Origins {
			lag += o.Lag
		}
		switch {
		case p.Connected && lag > 0:
			peers = append(peers, fmt.Sprintf("%s catching up (%d behind)", p.Address, lag))
		case p.Connected:
			peers = append(peers, p.Address+" in sync")
		default:
			peers = append(peers, fmt.Sprintf("%s NOT CONNECTED: %s", p.Address, p.Error))
		}
	}
	if len(peers) == 0 {
		peers = append(peers, "no peers")
	}
	s += "; " + strings.Join(peers, ", ")
	if f.Refused > 0 {
		s += fmt.Sprintf("; refused %d requests (last from %s: %s)", f.Refused, f.LastRefusalFrom, f.LastRefusal)
	}
	return s
}
