package cmd

import (
	"testing"

	"github.com/gluster/gluster-eventing/internal/api"
)

func TestForwardingLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *api.ForwardStatus
		want string
	}{
		{"none", nil, ""},
		{"off", &api.ForwardStatus{State: "off", Reason: "peer_listen is empty in the node config"}, "off: peer_listen is empty in the node config"},
		{"on, no peers", &api.ForwardStatus{State: "on", Listen: "[::]:55557", KeyID: "dca42b87"}, "on, [::]:55557, peer key dca42b87; no peers"},
		{"peers", &api.ForwardStatus{State: "on", Listen: "[::]:55557", KeyID: "dca42b87", Refused: 2, LastRefusal: "bad signature", LastRefusalFrom: "10.0.0.9:4711",
			Peers: []api.ForwardPeer{
				{Address: "10.0.0.2:55557", Connected: true, Origins: []api.ForwardOrigin{{Lag: 0}, {Lag: 0}}},
				{Address: "10.0.0.3:55557", Connected: true, Origins: []api.ForwardOrigin{{Lag: 3}, {Lag: 4}}},
				{Address: "10.0.0.4:55557", Error: "connection refused"},
			}},
			"on, [::]:55557, peer key dca42b87; 10.0.0.2:55557 in sync, 10.0.0.3:55557 catching up (7 behind), " +
				"10.0.0.4:55557 NOT CONNECTED: connection refused; refused 2 requests (last from 10.0.0.9:4711: bad signature)"},
	} {
		if got := forwardingLine(tc.in); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
