// Package corpus is test support: the legacy event datagrams every parser,
// encoder and differential test of gluster-eventing runs on. It holds the
// datagrams real GlusterFS 10.3 sent (captured, see GLUSTER-EVENTS.md §2.5,
// §2.6 and REAL-GLUSTER.md §1.7), the malformed ones it is known to send or
// that an attacker could send, and one well-formed sample for every event id
// a GlusterFS 10.x process still emits, built from the documented fields.
//
// It is imported only by tests. It deliberately does not import gfevent, so
// gfevent's own tests can use it.
package corpus

import (
	"fmt"
	"strconv"
	"strings"
)

// Datagram is one legacy event datagram "<ts> <id> k=v;k=v".
type Datagram struct {
	// Name is unique, "<group>/<what>", and safe in a file name once "/"
	// is replaced.
	Name string
	Raw  []byte
	// WellFormed reports whether glustereventsd 10.3 publishes it, that is
	// POSTs a body to its webhooks. The differential test checks this
	// classification against the real daemon.
	WellFormed bool
	// Diverges is set, with the reason, for the few datagrams
	// glustereventsd publishes but gluster-eventing deliberately rejects
	// (negative ids, which Python indexes from the end of its list, and ids
	// or timestamps that are not plain decimal int64s). Our body is not
	// expected to match glustereventsd's for them.
	Diverges string
}

// LegacyRecvSize is the receive buffer of glustereventsd
// (socketserver.UDPServer.max_packet_size): longer datagrams are silently
// truncated to this many bytes and then parsed.
const LegacyRecvSize = 8192

// Datagrams returns the corpus, in a fixed order, freshly allocated. Every
// datagram whose timestamp is a plain 10-digit decimal has a distinct one.
func Datagrams() []Datagram {
	var out []Datagram
	ts := int64(1795400000)
	next := func() string { ts++; return strconv.FormatInt(ts, 10) }
	add := func(name string, wf bool, raw string) {
		out = append(out, Datagram{Name: name, Raw: []byte(raw), WellFormed: wf})
	}
	// ev builds "<fresh ts> <id> <body>".
	ev := func(name string, wf bool, id int, body string) {
		add(name, wf, next()+" "+strconv.Itoa(id)+" "+body)
	}
	diverges := func(name, raw, why string) {
		out = append(out, Datagram{Name: name, Raw: []byte(raw), WellFormed: true, Diverges: why})
	}

	// ---- Captured from GlusterFS 10.3 (REAL-GLUSTER.md §1.7, GLUSTER-EVENTS.md §2.5/2.6).
	add("real/volume-create-bricks-spaces", true, "1795306549 2 name=rv;bricks= gtest:/srv/gluster/rv/b1 gtest:/srv/gluster/rv/b2 gtest:/srv/gluster/rv/b3 ")
	add("real/volume-create-vm", true, "1795305311 2 name=rv;bricks= vm:/bricks/r1 vm:/bricks/r2 ")
	add("real/brick-connected", true, "1795306551 77 peer=gtest;volume=rv;brick=/srv/gluster/rv/b1")
	add("real/svc-connected", true, "1795306552 65 svc_name=glustershd")
	add("real/volume-start", true, "1795306553 3 name=rv;force=0")
	add("real/volume-start-force", true, "1795306554 3 name=rv;force=1")
	add("real/client-connect-null-subdir", true, "1795306555 97 client_uid=CTX_ID:681a95ee-8d0a-48af-b12f-afb83df82752-GRAPH_ID:0-PID:29460-HOST:gtest-PC_NAME:rv-client-0-RECON_NO:-0;client_identifier=127.0.0.1:49144;server_identifier=127.0.1.1:59212;brick_path=/srv/gluster/rv/b1;subdir_mount=(null)")
	add("real/client-disconnect", true, "1795306591 99 client_uid=CTX_ID:8240be2c-9f1e-4c57-a3c2-0c3d2b1e9a77-GRAPH_ID:0-PID:30159-HOST:gtest-PC_NAME:rv-client-1-RECON_NO:-0;client_identifier=127.0.0.1:49134;server_identifier=127.0.1.1:54978;brick_path=/srv/gluster/rv/b2")
	add("real/client-disconnect-null-brick-path", true, "1795306592 99 client_uid=CTX_ID:f637aa51-0c0e-4b1e-9c2e-5a4b4d1f0e11-GRAPH_ID:0-PID:9397-HOST:vm-PC_NAME:rv-client-1-RECON_NO:-0;client_identifier=127.0.0.1:49145;server_identifier=127.0.1.1:49152;brick_path=(null)")
	add("real/afr-subvol-up-space-key", true, "1795306556 108 client-pid=-6; subvol=rv-replicate-0")
	add("real/afr-quorum-met-space-key", true, "1795306557 106 client-pid=-6; subvol=rv-replicate-0")
	add("real/afr-quorum-fail-space-key", true, "1795306577 107 client-pid=-6; subvol=rv-replicate-0")
	add("real/afr-subvols-down-space-key", true, "1795306578 109 client-pid=-6; subvol=rv-replicate-0")
	add("real/volume-set", true, "1795306558 6 name=rv;options=,performance.readdir-ahead,off")
	add("real/volume-set-two-options", true, "1795306559 6 name=rv;options=,diagnostics.client-log-level,DEBUG,diagnostics.brick-log-level,WARNING")
	add("real/volume-set-quoted-comma", true, "1795306560 6 name=rv;options=,auth.allow,10.0.0.1,10.0.0.2")
	add("real/volume-set-value-with-equals", false, "1795306561 6 name=rv;options=,user.foo,a=b")
	add("real/volume-set-value-with-semicolon", false, "1795306562 6 name=rv;options=,user.bar,x;y")
	add("real/brick-disconnected", true, "1795306567 76 peer=gtest;volume=rv;brick=/srv/gluster/rv/b2")
	add("real/volume-stop", true, "1795306579 4 name=rv;force=0")
	add("real/volume-delete", true, "1795306599 5 name=rv")
	add("real/bitrot-scrub-freq", true, "1795306600 22 name=rv;value=hourly")
	add("real/bitrot-enable-null-body", false, "1795305409 19 (null)")
	add("real/bitrot-disable-null-body", false, "1795305410 20 (null)")
	add("real/bitrot-scrub-ondemand-null-body", false, "1795305411 24 (null)")

	// ---- Documented value shapes (GLUSTER-EVENTS.md §2.5).
	ev("quirk/peer-disconnect-state-spaces", true, 71, "peer=node2;uuid=5d9c3a4e-1f2b-4c8d-9e0f-a1b2c3d4e5f6;state=Peer in Cluster")
	ev("quirk/dht-usage-percent", true, 140, "volume=rv;subvol=rv-dht;usage=87.50 %")
	ev("quirk/posix-health-timeout-glued", true, 105, "op=access;path=/.glusterfs/health_check;error=Resource temporarily unavailable;brick=gtest:/srv/gluster/rv/b1 timeout is 20")
	ev("quirk/snapshot-error-text", true, 36, "snapshot_name=snap1;volume_name=rv;error=LVM commands not found, snapshot functionality is disabled")
	ev("quirk/snapshot-error-semicolon", false, 36, "snapshot_name=snap1;volume_name=rv;error=lvcreate failed; see logs")
	ev("quirk/snapshot-error-equals", false, 36, "snapshot_name=snap1;volume_name=rv;error=exit status=5")
	ev("quirk/georep-create-underscore-typed", true, 11, "force=1;push_pem=1;no_verify=0;ssh_port=22;primary=gv0;secondary=root@h::sv")
	ev("quirk/georep-start-force", true, 12, "force=1;primary=gv0;secondary=root@h::sv")
	ev("quirk/georep-hyphen-typed", true, 11, "force=yes;push-pem=on;no-verify=TRUE;ssh-port=2222;primary=gv0;secondary=h::sv")
	ev("quirk/georep-hyphen-typed-false", true, 11, "force=2;push-pem=off;no-verify=;ssh-port=twenty;primary=gv0;secondary=h::sv")
	ev("quirk/brick-reset-capital-volume", true, 9, "Volume=rv;source-brick=gtest:/srv/gluster/rv/b1;destination-brick=gtest:/srv/gluster/rv/b1")
	ev("quirk/quota-crossed-capital-usage", true, 95, "Usage=8.0GB;volume=rv;path=/dir")
	ev("quirk/duplicate-key-last-wins", true, 5, "name=first;name=second")
	ev("quirk/empty-key", true, 5, "=x;name=rv")
	ev("quirk/empty-value", true, 5, "name=")
	ev("quirk/empty-key-and-value", true, 5, "name=rv;=")
	ev("quirk/subvol-and-space-subvol", true, 108, "client-pid=-6; subvol=a;subvol=b")
	ev("quirk/keys-mixed-case-sorting", true, 9, "volume=v;Volume=V;source-brick=s;_x=u;~=t;9=n")

	// ---- What glustereventsd drops (GLUSTER-EVENTS.md §2.4).
	add("drop/no-body", false, next()+" 5")
	add("drop/no-body-trailing-space", false, next()+" 5 ")
	add("drop/only-timestamp", false, next())
	add("drop/empty", false, "")
	add("drop/whitespace-only", false, " \t\r\n")
	ev("drop/unknown-id-999", false, 999, "name=rv")
	ev("drop/unknown-id-142", false, 142, "name=rv")
	add("drop/abc-id", false, next()+" abc name=rv")
	add("drop/abc-timestamp", false, "abc 5 name=rv")
	ev("drop/trailing-semicolon", false, 5, "name=rv;")
	ev("drop/double-semicolon", false, 71, "peer=node2;;uuid=5d9c3a4e-1f2b-4c8d-9e0f-a1b2c3d4e5f6")
	ev("drop/leading-semicolon", false, 5, ";name=rv")
	ev("drop/semicolon-space-semicolon", false, 5, "name=rv; ;force=1")
	ev("drop/value-with-equals", false, 5, "name=a=b")
	ev("drop/value-with-semicolon", false, 36, "snapshot_name=s;volume_name=rv;error=a;b")
	ev("drop/bare-key", false, 5, "rv")
	ev("drop/bare-key-then-pair", false, 5, "rv;force=1")
	ev("drop/null-body-other-id", false, 3, "(null)")
	add("drop/invalid-utf8", false, next()+" 5 name=r\xffv")
	add("drop/invalid-utf8-surrogate", false, next()+" 5 name=\xed\xa0\x80")
	add("drop/invalid-utf8-truncated-rune", false, next()+" 5 name=caf\xc3")
	add("drop/double-space-after-ts", false, next()+"  5 name=rv")
	add("drop/tab-separator", false, next()+"\t5\tname=rv")

	// ---- What glustereventsd publishes although we reject it on purpose.
	diverges("diverge/negative-id", next()+" -1 volume=x",
		"Python indexes all_events from the end: -1 is published as DHT_INODES_USAGE; we reject negative ids")
	diverges("diverge/underscore-id", next()+" 5_0 name=rv",
		"Python's int() accepts digit separators: 5_0 is published as id 50; we want a plain decimal id")
	diverges("diverge/arabic-indic-id", next()+" \u0665 name=rv",
		"Python's int() accepts any Unicode decimal digit: U+0665 is published as id 5; we want ASCII digits")
	diverges("diverge/timestamp-overflow", "99999999999999999999 5 name=rv",
		"Python's ints are unbounded; a timestamp beyond int64 is not a time, we reject it")

	// ---- Spelling variants of the header both accept.
	add("header/plus-timestamp", true, "+1795399001 5 name=rv")
	add("header/leading-zero-timestamp", true, "01795399002 5 name=rv")
	add("header/negative-timestamp", true, "-5 5 name=rv")
	add("header/zero-timestamp", true, "0 5 name=rv")
	add("header/leading-zero-id", true, next()+" 005 name=rv")
	add("header/plus-id", true, next()+" +5 name=rv")
	add("header/surrounding-whitespace", true, "\r\n\t "+next()+" 5 name=rv\x0b\x0c\r\n")
	ev("header/id-then-spaces", true, 5, "  name=rv")
	ev("header/last-id", true, 141, "volume=rv;subvol=rv-dht;usage=12.00 %")

	// ---- Escaping of values and keys (Python's json.dumps(ensure_ascii=True)).
	ev("escape/latin1-e-acute", true, 5, "name=caf\u00e9")
	ev("escape/emoji-surrogate-pair", true, 5, "name=vol\U0001F600x")
	ev("escape/cjk", true, 5, "name=\u5377")
	ev("escape/line-separator", true, 5, "name=a\u2028b\u2029c")
	ev("escape/replacement-char-valid", true, 5, "name=\ufffd")
	ev("escape/bom-and-noncharacter", true, 5, "name=\ufeffx\uffffy")
	ev("escape/control-chars", true, 5, "name=a\x00b\x01c\x1fd\x7fe\u0085f\u00a0g")
	ev("escape/named-controls", true, 5, "name=a\bb\fc\nd\re\tf")
	ev("escape/quotes-backslashes", true, 5, `name=a"b\c\\d\"e\u00e9/f`)
	ev("escape/non-ascii-keys", true, 5, "\u00e9=1;z=2;a=3;\U0001F600=4;\u4e2d=5")
	ev("escape/html-chars", true, 5, "name=<b>&'x'</b>")

	// ---- glustereventsd's typed attributes (eventsapiconf.py, handlers.py).
	ev("typed/force-variants", true, 3, "name=rv;force=On")
	ev("typed/force-empty", true, 3, "name=rv;force=")
	ev("typed/force-space", true, 3, "name=rv;force= 1")
	ev("typed/force-in-other-event", true, 5, "name=rv;force=true")
	ev("typed/space-force-not-typed", true, 3, "name=rv; force=1")
	ev("typed/ssh-port-spaces", true, 11, "ssh-port= 22 ;primary=p;secondary=s")
	ev("typed/ssh-port-leading-zero", true, 11, "ssh-port=0022;primary=p;secondary=s")
	ev("typed/ssh-port-underscore", true, 11, "ssh-port=2_2;primary=p;secondary=s")
	ev("typed/ssh-port-double-underscore", true, 11, "ssh-port=2__2;primary=p;secondary=s")
	ev("typed/ssh-port-sign", true, 11, "ssh-port=+22;primary=p;secondary=s")
	ev("typed/ssh-port-negative-zero", true, 11, "ssh-port=-0;primary=p;secondary=s")
	ev("typed/ssh-port-empty", true, 11, "ssh-port=;primary=p;secondary=s")
	ev("typed/ssh-port-huge", true, 11, "ssh-port=123456789012345678901234567890;primary=p;secondary=s")
	ev("typed/ssh-port-4300-digits", true, 11, "ssh-port="+strings.Repeat("7", 4300)+";primary=p;secondary=s")
	ev("typed/ssh-port-4301-digits", true, 11, "ssh-port="+strings.Repeat("7", 4301)+";primary=p;secondary=s")
	ev("typed/ssh-port-unicode-digits", true, 11, "ssh-port=\u0662\u0662;primary=p;secondary=s")
	ev("typed/ssh-port-unicode-space", true, 11, "ssh-port=\u00a022\u3000;primary=p;secondary=s")
	ev("typed/ssh-port-ascii-separator", true, 11, "ssh-port=\x1c22;primary=p;secondary=s")
	ev("typed/ssh-port-math-digits", true, 11, "ssh-port=\U0001D7DA\U0001D7E3;primary=p;secondary=s")
	ev("typed/ssh-port-unicode-underscore", true, 11, "ssh-port=\u0662_\u0662;primary=p;secondary=s")
	ev("typed/ssh-port-nel", true, 11, "ssh-port=\u0085 22;primary=p;secondary=s")
	ev("typed/ssh-port-inner-nbsp", true, 11, "ssh-port=2\u00a02;primary=p;secondary=s")
	ev("typed/ssh-port-superscript", true, 11, "ssh-port=\u00b2;primary=p;secondary=s")
	ev("typed/ssh-port-unicode15-digit", true, 11, "ssh-port=\U00011F52;primary=p;secondary=s")
	ev("typed/ssh-port-float", true, 11, "ssh-port=22.0;primary=p;secondary=s")
	ev("typed/volume-set-no-options", true, 6, "name=rv")
	ev("typed/volume-set-empty-options", true, 6, "name=rv;options=")
	ev("typed/volume-set-only-commas", true, 6, "name=rv;options=,,,")
	ev("typed/volume-set-odd-count", true, 6, "name=rv;options=a,b,c")
	ev("typed/volume-set-empty-item", true, 6, "name=rv;options=,a,,b")
	ev("typed/volume-set-escapes", true, 6, "name=rv;options=,user.x,caf\u00e9 \"q\"\\")
	ev("typed/volume-set-force", true, 6, "name=rv;options=,k,v;force=1")

	// ---- Size: glustereventsd reads 8192 bytes and drops the rest.
	out = append(out, large("size/volume-start-10k", next(), 10*1024, "", 0))
	out = append(out, large("size/volume-start-60k", next(), 60*1024, "", 0))
	out = append(out, large("size/exactly-8192", next(), LegacyRecvSize, "", 0))
	// The cut lands inside the two bytes of "é": Python's UTF-8 decode of
	// the truncated datagram fails and the event is lost.
	out = append(out, large("size/cut-inside-rune", next(), 10*1024, "\u00e9", 1))
	// The cut lands in the key of the second pair: "…;forc" has no "=",
	// so Python cannot parse it and the event is lost.
	out = append(out, large("size/cut-inside-key", next(), 10*1024, ";force=1", 5))

	// ---- One sample for every event id GlusterFS 10.x emits.
	for _, s := range samples {
		out = append(out, Datagram{
			Name:       "sample/" + s.name,
			Raw:        []byte(next() + " " + strconv.Itoa(s.id) + " " + s.body),
			WellFormed: true,
		})
	}
	return out
}

// large builds a VOLUME_START whose name fills the datagram to size bytes.
// With tail == "", it ends in ";force=1" (beyond glustereventsd's cut when
// size > LegacyRecvSize). Otherwise the tail is placed so that the cut
// falls right after its first cut bytes, and glustereventsd loses the event.
func large(name, ts string, size int, tail string, cut int) Datagram {
	head := ts + " 3 name="
	if tail == "" {
		const end = ";force=1"
		return Datagram{Name: name, Raw: []byte(head + strings.Repeat("v", size-len(head)-len(end)) + end), WellFormed: true}
	}
	raw := head + strings.Repeat("v", LegacyRecvSize-cut-len(head)) + tail
	raw += strings.Repeat("w", size-len(raw))
	return Datagram{Name: name, Raw: []byte(raw), WellFormed: false}
}

type sample struct {
	id   int
	name string // the published name, checked against the catalogue by the tests
	body string // the fields GLUSTER-EVENTS.md §3 lists, in wire order
}

const (
	uuidA = "5d9c3a4e-1f2b-4c8d-9e0f-a1b2c3d4e5f6"
	uuidB = "0b1e6c2d-7a3f-4e5b-8c9d-0e1f2a3b4c5d"
	geo6  = "primary_volume=gv0;primary_node=node1;primary_node_id=" + uuidA + ";secondary_host=node9;secondary_volume=sv0;brick_path=/b/gv0"
	cuid  = "client_uid=CTX_ID:681a95ee-8d0a-48af-b12f-afb83df82752-GRAPH_ID:0-PID:29460-HOST:node1-PC_NAME:gv0-client-0-RECON_NO:-0;client_identifier=10.250.0.12:49144;server_identifier=10.250.0.11:49152;brick_path=/b/gv0"
)

var samples = []sample{
	{0, "PEER_ATTACH", "host=node2"},
	{1, "PEER_DETACH", "host=node2"},
	{2, "VOLUME_CREATE", "name=gv0;bricks= node1:/b/gv0 node2:/b/gv0 node3:/b/gv0"},
	{3, "VOLUME_START", "name=gv0;force=0"},
	{4, "VOLUME_STOP", "name=gv0;force=1"},
	{5, "VOLUME_DELETE", "name=gv0"},
	{6, "VOLUME_SET", "name=gv0;options=,features.shard,on,cluster.quorum-type,auto"},
	{7, "VOLUME_RESET", "name=gv0;option=all"},
	{8, "BRICK_RESET_START", "Volume=gv0;source-brick=node1:/b/gv0"},
	{9, "BRICK_RESET_COMMIT", "Volume=gv0;source-brick=node1:/b/gv0;destination-brick=node1:/b/gv0"},
	{10, "BRICK_REPLACE", "Volume=gv0;source-brick=node1:/b/gv0;destination-brick=node3:/b/gv0"},
	{11, "GEOREP_CREATE", "push_pem=1;no_verify=0;ssh_port=22;primary=gv0;secondary=root@node9::sv0"},
	{12, "GEOREP_START", "force=0;primary=gv0;secondary=root@node9::sv0"},
	{13, "GEOREP_STOP", "force=1;primary=gv0;secondary=root@node9::sv0"},
	{14, "GEOREP_PAUSE", "primary=gv0;secondary=root@node9::sv0"},
	{15, "GEOREP_RESUME", "primary=gv0;secondary=root@node9::sv0"},
	{16, "GEOREP_DELETE", "reset_sync_time=1;primary=gv0;secondary=root@node9::sv0"},
	{17, "GEOREP_CONFIG_SET", "option=sync-jobs;value=3;primary=gv0;secondary=root@node9::sv0"},
	{18, "GEOREP_CONFIG_RESET", "option=sync-jobs;primary=gv0;secondary=root@node9::sv0"},
	{21, "BITROT_SCRUB_THROTTLE", "name=gv0;value=lazy"},
	{22, "BITROT_SCRUB_FREQ", "name=gv0;value=hourly"},
	{23, "BITROT_SCRUB_OPTION", "name=gv0;value=pause"},
	{25, "QUOTA_ENABLE", "volume=gv0"},
	{26, "QUOTA_DISABLE", "volume=gv0"},
	{27, "QUOTA_SET_USAGE_LIMIT", "volume=gv0;path=/dir;limit=10GB"},
	{28, "QUOTA_SET_OBJECTS_LIMIT", "volume=gv0;path=/dir;limit=1000"},
	{29, "QUOTA_REMOVE_USAGE_LIMIT", "volume=gv0;path=/dir"},
	{30, "QUOTA_REMOVE_OBJECTS_LIMIT", "volume=gv0;path=/dir"},
	{31, "QUOTA_ALERT_TIME", "volume=gv0;time=1w"},
	{32, "QUOTA_SOFT_TIMEOUT", "volume=gv0;soft-timeout=60s"},
	{33, "QUOTA_HARD_TIMEOUT", "volume=gv0;hard-timeout=5s"},
	{34, "QUOTA_DEFAULT_SOFT_LIMIT", "volume=gv0;default-soft-limit=80"},
	{35, "SNAPSHOT_CREATED", "snapshot_name=snap1;volume_name=gv0;snapshot_uuid=" + uuidB},
	{36, "SNAPSHOT_CREATE_FAILED", "snapshot_name=snap1;volume_name=gv0;error=LVM commands not found, snapshot functionality is disabled"},
	{37, "SNAPSHOT_ACTIVATED", "snapshot_name=snap1;snapshot_uuid=" + uuidB},
	{38, "SNAPSHOT_ACTIVATE_FAILED", "snapshot_name=snap1;error=Snapshot snap1 is already activated."},
	{39, "SNAPSHOT_DEACTIVATED", "snapshot_name=snap1;snapshot_uuid=" + uuidB},
	{40, "SNAPSHOT_DEACTIVATE_FAILED", "snapshot_name=snap1;error=Snapshot (snap1) does not exist."},
	{41, "SNAPSHOT_SOFT_LIMIT_REACHED", "volume_name=gv0;volume_id=" + uuidA},
	{42, "SNAPSHOT_HARD_LIMIT_REACHED", "volume_name=gv0;volume_id=" + uuidA},
	{43, "SNAPSHOT_RESTORED", "snapshot_name=snap1;snapshot_uuid=" + uuidB + ";volume_name=gv0"},
	{44, "SNAPSHOT_RESTORE_FAILED", "snapshot_name=snap1;error=Volume (gv0) has been started. Volume needs to be stopped before restoring a snapshot."},
	{45, "SNAPSHOT_DELETED", "snapshot_name=snap1;snapshot_uuid=" + uuidB},
	{46, "SNAPSHOT_DELETE_FAILED", "snapshot_name=snap1;error=Snapshot (snap1) does not exist"},
	{47, "SNAPSHOT_CLONED", "snapshot_name=snap1;clone_name=clone1;clone_uuid=" + uuidB},
	{48, "SNAPSHOT_CLONE_FAILED", "snapshot_name=snap1;clone_name=clone1;error=Volume with name:clone1 already exists"},
	{49, "SNAPSHOT_CONFIG_UPDATED", "config_type=system_config;auto-delete=enable"},
	{50, "SNAPSHOT_CONFIG_UPDATE_FAILED", "error=Invalid snap-max-hard-limit 500. Expected range 1 - 256"},
	{63, "SVC_MANAGER_FAILED", "volume=gv0;svc_name=glustershd"},
	{64, "SVC_RECONFIGURE_FAILED", "svc_name=quotad"},
	{65, "SVC_CONNECTED", "volume=gv0;svc_name=snapd"},
	{66, "SVC_DISCONNECTED", "svc_name=glustershd"},
	{67, "PEER_STORE_FAILURE", "peer=node2"},
	{68, "PEER_RPC_CREATE_FAILED", "peer=node2"},
	{69, "PEER_REJECT", "peer=10.250.0.12:24007"},
	{70, "PEER_CONNECT", "host=node2;uuid=" + uuidA},
	{71, "PEER_DISCONNECT", "peer=node2;uuid=" + uuidA + ";state=Peer in Cluster"},
	{72, "PEER_NOT_FOUND", "peer=node2;uuid=" + uuidA},
	{73, "UNKNOWN_PEER", "peer=" + uuidA},
	{74, "BRICK_START_FAILED", "peer=node1;volume=gv0;brick=/b/gv0"},
	{75, "BRICK_STOP_FAILED", "peer=node1;volume=gv0;brick=/b/gv0"},
	{76, "BRICK_DISCONNECTED", "peer=node1;volume=gv0;brick=/b/gv0"},
	{77, "BRICK_CONNECTED", "peer=node1;volume=gv0;brick=/b/gv0"},
	{78, "BRICKPATH_RESOLVE_FAILED", "peer=node1;volume=gv0;brick=/b/gv0"},
	{79, "NOTIFY_UNKNOWN_OP", "op=42"},
	{80, "QUORUM_LOST", "volume=gv0"},
	{81, "QUORUM_REGAINED", "volume=gv0"},
	{82, "REBALANCE_START_FAILED", "volume=gv0"},
	{83, "REBALANCE_STATUS_UPDATE_FAILED", "volume=gv0"},
	{84, "IMPORT_QUOTA_CONF_FAILED", "volume=gv0"},
	{85, "IMPORT_VOLUME_FAILED", "volume=gv0"},
	{86, "IMPORT_BRICK_FAILED", "peer=node2;brick=ta-brick"},
	{87, "COMPARE_FRIEND_VOLUME_FAILED", "volume=gv0"},
	{89, "EC_MIN_BRICKS_NOT_UP", "subvol=gv0-disperse-0"},
	{90, "EC_MIN_BRICKS_UP", "subvol=gv0-disperse-0"},
	{91, "GEOREP_FAULTY", "primary_volume=gv0;primary_node=node1;primary_node_id=" + uuidA + ";secondary_host=node9;secondary_volume=sv0;current_secondary_host=node9;brick_path=/b/gv0"},
	{92, "GEOREP_CHECKPOINT_COMPLETED", geo6 + ";checkpoint_time=1795300000;checkpoint_completion_time=1795300600"},
	{93, "GEOREP_ACTIVE", geo6},
	{94, "GEOREP_PASSIVE", geo6},
	{95, "QUOTA_CROSSED_SOFT_LIMIT", "Usage=8.0GB;volume=gv0;path=/dir"},
	{96, "BITROT_BAD_FILE", "gfid=" + uuidB + ";path=/dir/file;brick=/b/gv0"},
	{97, "CLIENT_CONNECT", cuid + ";subdir_mount=/dir"},
	{98, "CLIENT_AUTH_REJECT", cuid},
	{99, "CLIENT_DISCONNECT", cuid},
	{100, "POSIX_SAME_GFID", "gfid=" + uuidB + ";path=/b/gv0/a;newpath=/b/gv0/b;brick=node1:/b/gv0"},
	{101, "POSIX_ALREADY_PART_OF_VOLUME", "volume-id=" + uuidA + ";brick=node1:/b/gv0"},
	{102, "POSIX_BRICK_NOT_IN_VOLUME", "brick=node1:/b/gv0"},
	{103, "POSIX_BRICK_VERIFICATION_FAILED", "brick=node1:/b/gv0"},
	{104, "POSIX_ACL_NOT_SUPPORTED", "brick=node1:/b/gv0"},
	{105, "POSIX_HEALTH_CHECK_FAILED", "op=write;path=/b/gv0/.glusterfs/health_check;error=Input/output error;brick=node1:/b/gv0"},
	{106, "AFR_QUORUM_MET", "client-pid=0; subvol=gv0-replicate-0"},
	{107, "AFR_QUORUM_FAIL", "client-pid=-5; subvol=gv0-replicate-0"},
	{108, "AFR_SUBVOL_UP", "client-pid=-3; subvol=gv0-replicate-1"},
	{109, "AFR_SUBVOLS_DOWN", "client-pid=-6; subvol=gv0-replicate-0"},
	{110, "AFR_SPLIT_BRAIN", "client-pid=-6;subvol=gv0-replicate-0;type=gfid;file=<gfid:" + uuidB + ">/f;count=2;child-0=gv0-client-0;gfid-0=" + uuidA + ";child-1=gv0-client-1;gfid-1=" + uuidB},
	{123, "VOLUME_ADD_BRICK", "volume=gv0;bricks=node4:/b/gv0 node5:/b/gv0"},
	{125, "VOLUME_REMOVE_BRICK_START", "volume=gv0;bricks=node1:/b/gv0 node2:/b/gv0"},
	{127, "VOLUME_REMOVE_BRICK_COMMIT", "volume=gv0;bricks=node1:/b/gv0 node2:/b/gv0"},
	{129, "VOLUME_REMOVE_BRICK_STOP", "volume=gv0;bricks=node1:/b/gv0"},
	{131, "VOLUME_REMOVE_BRICK_FORCE", "volume=gv0;bricks=node1:/b/gv0"},
	{134, "VOLUME_REBALANCE_START", "volume=gv0"},
	{135, "VOLUME_REBALANCE_STOP", "volume=gv0"},
	{136, "VOLUME_REBALANCE_FAILED", "volume=gv0"},
	{137, "VOLUME_REBALANCE_COMPLETE", "volume=gv0"},
	{140, "DHT_DISK_USAGE", "volume=gv0;subvol=gv0-dht;usage=87.50 %"},
	{141, "DHT_INODES_USAGE", "volume=gv0;subvol=gv0-dht;usage=91.25 %"},
}

// FuzzFile returns the "go test fuzz v1" encoding of one fuzz input whose
// arguments are vals (each a []byte or a string), as go test reads it from
// testdata/fuzz/<FuzzName>/.
func FuzzFile(vals ...any) []byte {
	b := []byte("go test fuzz v1\n")
	for _, v := range vals {
		switch v := v.(type) {
		case []byte:
			b = fmt.Appendf(b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case string:
			b = fmt.Appendf(b, "string(%s)\n", strconv.Quote(v))
		default:
			panic(fmt.Sprintf("corpus.FuzzFile: unsupported type %T", v))
		}
	}
	return b
}

// FileName turns a datagram name into a file name for a seed corpus.
func FileName(name string) string {
	return "corpus-" + strings.NewReplacer("/", "-", " ", "_").Replace(name)
}
