// Command peerecho is a stand-in peer program for the harness's own tests:
// "gluster system:: execute gluster-eventing ARGS" runs it on every
// connected node, and it prints one JSON line saying where it ran. It always
// exits 0, as a peer program must (a non-zero exit on one node fails the
// whole glusterd transaction).
package main

import (
	"encoding/json"
	"os"
	"strings"
)

func main() {
	host, _ := os.Hostname()
	var uuid string
	b, _ := os.ReadFile("/var/lib/glusterd/glusterd.info")
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "UUID="); ok {
			uuid = v
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"argv0": os.Args[0],
		"args":  os.Args[1:],
		"host":  host,
		"uuid":  uuid,
		"home":  os.Getenv("HOME"),
	})
}
