package glustertest

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"
)

// TestNode checks the harness itself: the node's identity and isolation,
// a listener of the test process inside the node, and that Stop leaves no
// process behind.
func TestNode(t *testing.T) {
	Require(t)
	hostInfo, hostInfoErr := os.ReadFile("/var/lib/glusterd/glusterd.info")
	n := StartNode(t, Config{})

	if got := strings.TrimSpace(n.MustRun(nil, "hostname")); got != n.Name {
		t.Errorf("hostname in the node %q, want %q", got, n.Name)
	}
	if got := n.MustRun(nil, "getent", "hosts", n.Name); !strings.HasPrefix(got, n.Addr+" ") {
		t.Errorf("getent hosts %s in the node: %q, want %s", n.Name, got, n.Addr)
	}
	if out := n.MustRun(nil, "ip", "-o", "-4", "addr", "show", "dev", "eth0"); !strings.Contains(out, " "+n.Addr+"/24 ") {
		t.Errorf("eth0 in the node: %s", out)
	}
	uuid := n.UUID()
	if after, err := os.ReadFile("/var/lib/glusterd/glusterd.info"); string(after) != string(hostInfo) ||
		(err == nil) != (hostInfoErr == nil) || strings.Contains(string(after), uuid) {
		t.Errorf("the host's glusterd.info changed")
	}
	if self, _ := os.Hostname(); self == n.Name {
		t.Errorf("the test process's hostname is the node's")
	}

	// A listener of the test process inside the node, reached from it.
	ln, err := n.Listen("tcp", n.Addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
	}()
	n.MustRun(nil, "bash", "-c", "echo hello >/dev/tcp/"+n.Addr+"/"+portOf(ln.Addr().String()))
	select {
	case s := <-got:
		if s != "hello\n" {
			t.Errorf("listener in the node got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listener in the node got nothing")
	}

	pids := n.PIDs()
	if len(pids) < 2 {
		t.Errorf("node processes %v: want at least the holder and glusterd", pids)
	}
	n.Stop()
	if left := pidsInNetns(n.netns); len(left) > 0 {
		t.Errorf("processes left in the node after Stop: %v", left)
	}
	if !n.holder.Exited() || !n.Glusterd().Exited() {
		t.Errorf("holder or glusterd not reaped after Stop")
	}
}

func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }
