package snmpsink

import (
	"context"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/testenv"
	"github.com/gluster/gluster-eventing/webhooks"
)

const (
	testNode  = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	testEpoch = "9b1c0d2e77aa"
)

// brickDown is a BRICK_DISCONNECTED record as glusterd sends it.
func brickDown(seq uint64) *evrec.Record {
	return &evrec.Record{
		Seq:      seq,
		Received: time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC),
		Source:   "127.0.0.1",
		Event: gfevent.Event{
			Time: time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC).Unix(),
			Type: gfevent.BrickDisconnected,
			Fields: []gfevent.Field{
				{Key: "peer", Value: "node2"}, {Key: "volume", Value: "gv0"}, {Key: "brick", Value: "/bricks/b1"},
			},
		},
	}
}

func message(recs ...*evrec.Record) *webhooks.Message {
	return &webhooks.Message{Node: testNode, Epoch: testEpoch, Records: recs, First: recs[0].Seq, Last: recs[len(recs)-1].Seq}
}

func writeSecret(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(text+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func newSink(t *testing.T, c config.SNMPNotifier) *Sink {
	t.Helper()
	s, err := New(&c, 5*time.Second, testNode)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func send(t *testing.T, s *Sink, m *webhooks.Message) webhooks.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

// wantBrickDown checks that snmptrapd decoded every object of the
// notification for brickDown(seq), by its MIB name.
func wantBrickDown(t *testing.T, tr trap, seq string) {
	t.Helper()
	want := map[string]string{
		"SNMPv2-MIB::snmpTrapOID.0":                    "OID: GLUSTER-EVENTING-MIB::glusterEventNotification",
		"GLUSTER-EVENTING-MIB::glusterEventName.0":     "STRING: BRICK_DISCONNECTED",
		"GLUSTER-EVENTING-MIB::glusterEventSeq.0":      "Counter64: " + seq,
		"GLUSTER-EVENTING-MIB::glusterEventNode.0":     "STRING: " + testNode,
		"GLUSTER-EVENTING-MIB::glusterEventEpoch.0":    "STRING: " + testEpoch,
		"GLUSTER-EVENTING-MIB::glusterEventCategory.0": "STRING: brick",
		"GLUSTER-EVENTING-MIB::glusterEventSeverity.0": "INTEGER: critical(3)",
		"GLUSTER-EVENTING-MIB::glusterEventTime.0":     "STRING: 2026-12-2,1:2:3.0,+0:0",
		"GLUSTER-EVENTING-MIB::glusterEventVolume.0":   "STRING: gv0",
		"GLUSTER-EVENTING-MIB::glusterEventMessage.0":  "STRING: peer=node2;volume=gv0;brick=/bricks/b1",
	}
	for name, v := range want {
		got, ok := tr.value(name)
		if !ok {
			t.Errorf("no %s in %q", name, tr.Vars)
			continue
		}
		if got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if len(tr.Vars) != 11 || !strings.HasPrefix(tr.Vars[0], "SNMPv2-MIB::sysUpTime.0 = Timeticks: ") {
		t.Errorf("bindings = %q, want sysUpTime.0, snmpTrapOID.0 and the 9 objects", tr.Vars)
	}
}

func TestTrapV2c(t *testing.T) {
	d := startTrapd(t, "authCommunity log gluster-nms")
	s := newSink(t, config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv2c, Community: "gluster-nms"})
	if r := send(t, s, message(brickDown(4812))); r.Verdict != webhooks.Delivered {
		t.Fatalf("Send = %v %v", r.Verdict, r.Err)
	}
	tr := d.wait(t, 1, 10*time.Second)[0]
	if !strings.Contains(tr.Security, "SNMP v2c, community gluster-nms") {
		t.Errorf("security = %q, want a v2c trap with community gluster-nms", tr.Security)
	}
	wantBrickDown(t, tr, "4812")
}

func TestTrapIPv6(t *testing.T) {
	if c, err := net.ListenPacket("udp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		c.Close()
	}
	d := startTrapdOn(t, "::1", "authCommunity log public")
	if !strings.HasPrefix(d.Addr, "[::1]:") {
		t.Fatalf("trapd on %s", d.Addr)
	}
	s := newSink(t, config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv2c})
	if r := send(t, s, message(brickDown(5))); r.Verdict != webhooks.Delivered {
		t.Fatalf("Send = %v %v", r.Verdict, r.Err)
	}
	wantBrickDown(t, d.wait(t, 1, 10*time.Second)[0], "5")
}

func TestTrapV3(t *testing.T) {
	engine := "0x" + hex.EncodeToString(EngineID(testNode))
	if engine != "0x80000000053f2a9c1e5b7d4e8f9a0b1c2d3e4f5a6b" {
		t.Fatalf("EngineID(%s) = %s, want the documented 0x8000000005<uuid>", testNode, engine)
	}
	tests := []struct {
		name, auth, priv, trapdAuth, trapdPriv, level string
	}{
		{"authPriv SHA-256 AES", "SHA-256", "AES", "SHA-256", "AES", "priv"},
		{"authPriv SHA-512 AES-256", "SHA-512", "AES-256", "SHA-512", "AES256", "priv"},
		{"authPriv SHA AES", "SHA", "AES", "SHA", "AES", "priv"},
		{"authNoPriv SHA-256", "SHA-256", "", "SHA-256", "", "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			create := "createUser -e " + engine + " gluster " + tt.trapdAuth + " auth-passphrase"
			if tt.trapdPriv != "" {
				create += " " + tt.trapdPriv + " priv-passphrase"
			}
			d := startTrapd(t, create, "authUser log gluster "+tt.level)
			c := config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv3, User: "gluster",
				AuthProtocol: tt.auth, AuthPassphraseFile: writeSecret(t, "auth-passphrase", 0o600)}
			if tt.priv != "" {
				c.PrivProtocol, c.PrivPassphraseFile = tt.priv, writeSecret(t, "priv-passphrase", 0o600)
			}
			s := newSink(t, c)
			if s.EngineIDHex() != engine {
				t.Errorf("EngineIDHex = %s, want %s", s.EngineIDHex(), engine)
			}
			if r := send(t, s, message(brickDown(7))); r.Verdict != webhooks.Delivered {
				t.Fatalf("Send = %v %v", r.Verdict, r.Err)
			}
			tr := d.wait(t, 1, 10*time.Second)[0]
			if !strings.Contains(tr.Security, "SNMP v3") || !strings.Contains(tr.Security, "user gluster") {
				t.Errorf("security = %q, want an SNMPv3 notification from user gluster", tr.Security)
			}
			wantBrickDown(t, tr, "7")
		})
	}
}

// TestInformV3 sends informs, which snmptrapd acknowledges: a wrong
// passphrase is an error the worker retries (nothing is lost), and the
// right one delivers.
func TestInformV3(t *testing.T) {
	d := startTrapd(t, "createUser gluster SHA-256 auth-passphrase AES priv-passphrase", "authUser log gluster priv")
	c := config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv3, Inform: true, User: "gluster",
		AuthProtocol: "SHA-256", AuthPassphraseFile: writeSecret(t, "wrong-passphrase", 0o600),
		PrivProtocol: "AES", PrivPassphraseFile: writeSecret(t, "priv-passphrase", 0o600)}
	s, err := New(&c, time.Second, testNode)
	if err != nil {
		t.Fatal(err)
	}
	r := send(t, s, message(brickDown(1)))
	s.Close()
	if r.Verdict != webhooks.Retry || r.Err == nil {
		t.Fatalf("inform with a wrong passphrase: Send = %v %v, want a retry with an error", r.Verdict, r.Err)
	}
	if strings.Contains(r.Err.Error(), "wrong-passphrase") {
		t.Errorf("the error shows the passphrase: %v", r.Err)
	}
	if n := d.count(); n != 0 {
		t.Fatalf("snmptrapd logged %d notifications with a wrong passphrase", n)
	}

	c.AuthPassphraseFile = writeSecret(t, "auth-passphrase", 0o600)
	s = newSink(t, c)
	if s.EngineIDHex() != "" {
		t.Errorf("an inform sink has engine id %s; informs use the manager's", s.EngineIDHex())
	}
	for seq := uint64(2); seq <= 3; seq++ {
		if r := send(t, s, message(brickDown(seq))); r.Verdict != webhooks.Delivered {
			t.Fatalf("inform %d: Send = %v %v", seq, r.Verdict, r.Err)
		}
	}
	got := d.wait(t, 2, 10*time.Second)
	wantBrickDown(t, got[0], "2")
	wantBrickDown(t, got[1], "3")
}

// TestInformNoManager: an inform nobody acknowledges is an error to retry.
func TestInformNoManager(t *testing.T) {
	s, err := New(&config.SNMPNotifier{Addr: "127.0.0.1:" + strconv.Itoa(freeUDPPort(t)), Version: config.SNMPv2c, Inform: true},
		200*time.Millisecond, testNode)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := send(t, s, message(brickDown(1))); r.Verdict != webhooks.Retry || r.Err == nil {
		t.Fatalf("Send = %v %v, want a retry", r.Verdict, r.Err)
	}
}

// TestMIB checks the shipped MIB with smilint (no warning at the
// strictest level) and that its OIDs are the ones the sink sends.
func TestMIB(t *testing.T) {
	smilint, err := exec.LookPath("smilint")
	testenv.Require(t, err == nil, "smilint (Debian package smitools)")
	mibs, _ := filepath.Abs("testdata/mibs")
	cmd := exec.Command(smilint, "-l", "9", "-s", "../../packaging/GLUSTER-EVENTING-MIB.txt")
	cmd.Env = append(os.Environ(), "SMIPATH="+mibs+":")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("smilint -l 9: %v\n%s", err, out)
	}

	snmptranslate, err := exec.LookPath("snmptranslate")
	testenv.Require(t, err == nil, "snmptranslate (Debian package snmp)")
	for name, oid := range map[string]string{
		"glusterEventNotification": NotificationOID,
		"glusterEventName":         strings.TrimSuffix(oidName, ".0"),
		"glusterEventSeq":          strings.TrimSuffix(oidSeq, ".0"),
		"glusterEventNode":         strings.TrimSuffix(oidNode, ".0"),
		"glusterEventEpoch":        strings.TrimSuffix(oidEpoch, ".0"),
		"glusterEventCategory":     strings.TrimSuffix(oidCategory, ".0"),
		"glusterEventSeverity":     strings.TrimSuffix(oidSeverity, ".0"),
		"glusterEventTime":         strings.TrimSuffix(oidTime, ".0"),
		"glusterEventVolume":       strings.TrimSuffix(oidVolume, ".0"),
		"glusterEventMessage":      strings.TrimSuffix(oidMessage, ".0"),
	} {
		cmd := exec.Command(snmptranslate, "-M", mibDirs(t), "-m", "GLUSTER-EVENTING-MIB", "-On", "GLUSTER-EVENTING-MIB::"+name)
		out, err := cmd.Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != "."+oid {
			t.Errorf("snmptranslate %s = %q (%v), want .%s", name, got, err, oid)
		}
	}
}

func TestPassphraseFile(t *testing.T) {
	tests := []struct {
		name, text string
		mode       os.FileMode
		want       string // error substring; "" for success
	}{
		{"ok", "  a-long-passphrase \n", 0o600, ""},
		{"group readable", "a-long-passphrase", 0o640, "(mode 0640); chmod 600"},
		{"short", "x7q!k", 0o600, "holds 5 characters; SNMPv3 passphrases have at least 8"},
		{"large", strings.Repeat("x", maxPassphraseFile+1), 0o400, "larger than 4 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeSecret(t, tt.text, tt.mode)
			got, err := readPassphrase("auth_passphrase_file", p)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.want == "" && got != strings.TrimSpace(tt.text):
				t.Fatalf("passphrase = %q", got)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), tt.text):
				t.Fatalf("the error shows the passphrase: %v", err)
			}
		})
	}
	if _, err := readPassphrase("auth_passphrase_file", filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file is not an error")
	}
	// New reports it, so that the notifier's health shows it before any event.
	_, err := New(&config.SNMPNotifier{Addr: "127.0.0.1", Version: config.SNMPv3, User: "u", AuthProtocol: "SHA",
		AuthPassphraseFile: writeSecret(t, "a-long-passphrase", 0o644)}, time.Second, testNode)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("New with an open passphrase file: %v", err)
	}
}

func TestVarbinds(t *testing.T) {
	rec := brickDown(9)
	rec.Event.Fields = append(rec.Event.Fields, gfevent.Field{Key: "error", Value: strings.Repeat("é", 600)})
	b := webhooks.NewStandardBody(testNode, testEpoch, rec)
	pdus := Varbinds(b, rec.Event.Fields, "gv0", 12345*time.Millisecond)
	if pdus[0].Value != uint32(1234) {
		t.Errorf("sysUpTime = %v, want 1234 centiseconds", pdus[0].Value)
	}
	msg := pdus[len(pdus)-1].Value.(string)
	if len(msg) > maxMessage || !strings.HasSuffix(msg, "...") || !strings.HasPrefix(msg, "peer=node2;volume=gv0;brick=/bricks/b1;error=é") {
		t.Errorf("message (%d bytes) = %.80q...", len(msg), msg)
	}
	if got := dateAndTime(time.Date(2026, 12, 2, 13, 4, 5, 0, time.UTC)); hex.EncodeToString(got) != "07ea0c020d0405002b0000" {
		t.Errorf("DateAndTime = %x", got)
	}
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "..."}, {"abcdef", 5, "ab..."}, {"aéé", 4, "a..."}, {"aééé", 6, "aé..."},
	} {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	if got := hex.EncodeToString(EngineID("not-a-uuid")); len(got) != 42 || !strings.HasPrefix(got, "8000000005") {
		t.Errorf("EngineID(not-a-uuid) = %s", got)
	}
}

func TestPacer(t *testing.T) {
	p := newPacer(1000, time.Now)
	start := time.Now()
	for range 300 {
		if !p.take(context.Background()) {
			t.Fatal("take failed")
		}
	}
	// 100 at once (the burst), then 200 at 1ms each.
	if elapsed := time.Since(start); elapsed < 190*time.Millisecond || elapsed > 10*time.Second {
		t.Errorf("300 tokens at 1000/s with a burst of 100 took %s, want about 200ms", elapsed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := newPacer(1, time.Now)
	slow.take(ctx) // the one token of the burst
	if slow.take(ctx) {
		t.Error("take with a cancelled context and no token succeeded")
	}
}

// TestTrapV3AfterRestart: a sink made later (a restarted daemon) has
// higher engine boots, and its traps are accepted after the earlier
// sink's.
func TestTrapV3AfterRestart(t *testing.T) {
	engine := "0x" + hex.EncodeToString(EngineID(testNode))
	d := startTrapd(t, "createUser -e "+engine+" gluster SHA-256 auth-passphrase AES priv-passphrase", "authUser log gluster priv")
	c := config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv3, User: "gluster",
		AuthProtocol: "SHA-256", AuthPassphraseFile: writeSecret(t, "auth-passphrase", 0o600),
		PrivProtocol: "AES", PrivPassphraseFile: writeSecret(t, "priv-passphrase", 0o600)}
	before := newSink(t, c)
	before.started = time.Now().Add(-time.Hour) // up for an hour
	if r := send(t, before, message(brickDown(1))); r.Verdict != webhooks.Delivered {
		t.Fatalf("Send = %v %v", r.Verdict, r.Err)
	}
	after := newSink(t, c)
	if b0, b1 := engineBoots(before.started), engineBoots(after.started); b1 <= b0 {
		t.Errorf("engine boots %d after a restart, %d before", b1, b0)
	}
	if r := send(t, after, message(brickDown(2))); r.Verdict != webhooks.Delivered {
		t.Fatalf("Send = %v %v", r.Verdict, r.Err)
	}
	got := d.wait(t, 2, 10*time.Second)
	wantBrickDown(t, got[0], "1")
	wantBrickDown(t, got[1], "2")
}
