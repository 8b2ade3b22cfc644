package daemon

import (
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/api"
)

func TestForwardMetrics(t *testing.T) {
	if out := scrape(t, api.Status{}); strings.Contains(out, "gluster_eventing_forward_") {
		t.Errorf("forward metrics from a daemon without forwarding:\n%s", out)
	}
	out := scrape(t, api.Status{Forwarding: &api.ForwardStatus{State: "on", Served: 12, Refused: 2, Peers: []api.ForwardPeer{
		{Node: "n2", Connected: true, Origins: []api.ForwardOrigin{{Node: "n2", Lag: 0}, {Node: "n3", Lag: 4, Lost: 1}}},
		{Node: "n3", AuthFailures: 5, Origins: []api.ForwardOrigin{{Node: "n3", Lag: 9, Lost: 1}}},
	}}})
	for _, want := range []string{
		"gluster_eventing_forward_on 1\n",
		"gluster_eventing_forward_served_total 12\n",
		"gluster_eventing_forward_refused_total 2\n",
		`gluster_eventing_forward_peer_up{peer="n2"} 1` + "\n",
		`gluster_eventing_forward_peer_up{peer="n3"} 0` + "\n",
		`gluster_eventing_forward_peer_auth_failures_total{peer="n3"} 5` + "\n",
		`gluster_eventing_forward_lag_events{origin="n3",peer="n2"} 4` + "\n",
		`gluster_eventing_forward_lag_events{origin="n3",peer="n3"} 9` + "\n",
		`gluster_eventing_forward_lost_events{origin="n3"} 1` + "\n",
		"# HELP gluster_eventing_forward_lag_events Events of origin that the peer holds and this node does not yet.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
