// Package snmpsink delivers journaled Gluster events to an SNMP manager
// as SNMPv2c or SNMPv3 notifications, the glusterEventNotification of
// packaging/GLUSTER-EVENTING-MIB.txt.
//
// Gluster's eventing design listed SNMP traps among the notifiers it
// never built; network operations centres watch traps, not webhooks. The
// package is a [webhooks.Sink]: the webhook worker machinery reads the
// journal, filters, retries and keeps the notifier's health, and this
// package only turns one event into one notification, through
// github.com/gosnmp/gosnmp. A trap counts as delivered once it is sent
// (UDP gives no more); with inform = true the manager acknowledges each
// notification and an event is retried until it does.
//
// Imported by daemon/, which registers [New] for notifiers of kind
// "snmp". It has no package-level mutable state.
package snmpsink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
)

// The OIDs of GLUSTER-EVENTING-MIB. The module is under the experimental
// arc at a placeholder number (see the MIB's header).
const (
	MIBRoot = "1.3.6.1.3.55555"
	// NotificationOID is glusterEventNotification.
	NotificationOID = MIBRoot + ".0.1"
	objects         = MIBRoot + ".1"

	// The standard objects every SNMPv2 notification starts with.
	sysUpTimeOID   = "1.3.6.1.2.1.1.3.0"
	snmpTrapOIDOID = "1.3.6.1.6.3.1.1.4.1.0"
)

// The notification's objects, in the order of its OBJECTS clause; each is
// sent as the scalar instance OID.0.
const (
	oidName     = objects + ".1.0"
	oidSeq      = objects + ".2.0"
	oidNode     = objects + ".3.0"
	oidEpoch    = objects + ".4.0"
	oidCategory = objects + ".5.0"
	oidSeverity = objects + ".6.0"
	oidTime     = objects + ".7.0"
	oidVolume   = objects + ".8.0"
	oidMessage  = objects + ".9.0"
)

// Size limits of the MIB's objects (DisplayString is at most 255 octets).
const (
	maxMessage = 1024
	maxVolume  = 255
	maxShort   = 64
)

// maxPassphraseFile bounds what a passphrase file may hold.
const maxPassphraseFile = 4 << 10

// Sink sends one notification per event. It is safe for concurrent use:
// sends are serialized on one socket (a trap is a single datagram).
type Sink struct {
	cfg      config.SNMPNotifier
	timeout  time.Duration
	engineID []byte
	started  time.Time
	describe string

	mu   sync.Mutex
	conn *gosnmp.GoSNMP // nil until the first send, and after an error
	pace *pacer
}

var (
	_ webhooks.Sink      = (*Sink)(nil)
	_ webhooks.Describer = (*Sink)(nil)
)

// Factory is the [webhooks.SinkFactory] of notifiers of kind "snmp".
func Factory(n *config.Notifier, env webhooks.SinkEnv) (webhooks.Sink, error) {
	if n.SNMP == nil {
		return nil, errors.New("the notifier has no [notifier.snmp] table")
	}
	return New(n.SNMP, time.Duration(n.Timeout), env.NodeID)
}

// New checks c, reads its passphrase files and returns a sink. Nothing is
// sent until the first Send. timeout bounds an inform's wait for its
// acknowledgment; nodeID (the glusterd UUID) gives traps their default
// SNMPv3 engine id.
func New(c *config.SNMPNotifier, timeout time.Duration, nodeID string) (*Sink, error) {
	s := &Sink{cfg: *c, timeout: timeout, started: time.Now(), describe: c.Target(), pace: newPacer(c.EffectiveMaxRate(), time.Now)}
	if timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	if _, _, err := config.SNMPTarget(c.Addr); err != nil {
		return nil, fmt.Errorf("snmp target %q: %w", c.Addr, err)
	}
	if c.Version == config.SNMPv3 {
		if c.EngineID != "" {
			id, err := config.SNMPEngineID(c.EngineID)
			if err != nil {
				return nil, fmt.Errorf("engine_id %q: %w", c.EngineID, err)
			}
			s.engineID = id
		} else {
			s.engineID = EngineID(nodeID)
		}
		// Read the passphrases now, so that a missing or open file is
		// reported before the first event, in the notifier's health.
		if _, err := s.client(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// EngineID is the SNMPv3 engine id a node sends traps with when the
// notifier sets no engine_id: RFC 3411's format for octets with enterprise
// number 0 (a placeholder, like the MIB's OID) — 0x80000000, then 0x05,
// then the 16 bytes of the glusterd UUID. A manager that receives SNMPv3
// traps needs each node's id (Net-SNMP: createUser -e 0x8000000005<uuid
// without dashes> ...). A node id that is not a UUID is hashed.
func EngineID(nodeID string) []byte {
	id := []byte{0x80, 0x00, 0x00, 0x00, 0x05}
	if u, err := hex.DecodeString(strings.ReplaceAll(nodeID, "-", "")); err == nil && len(u) == 16 && len(nodeID) == 36 {
		return append(id, u...)
	}
	h := sha256.Sum256([]byte(nodeID))
	return append(id, h[:16]...)
}

// Describe says where the sink sends, without secrets.
func (s *Sink) Describe() string { return s.describe }

// EngineIDHex is the engine id traps are sent with, "0x..." ("" for
// SNMPv2c and for informs, which use the manager's).
func (s *Sink) EngineIDHex() string {
	if s.cfg.Version != config.SNMPv3 || s.cfg.Inform {
		return ""
	}
	return "0x" + hex.EncodeToString(s.engineID)
}

// client returns a GoSNMP set up for the target, not yet connected.
func (s *Sink) client() (*gosnmp.GoSNMP, error) {
	host, port, _ := config.SNMPTarget(s.cfg.Addr)
	g := &gosnmp.GoSNMP{
		Target:    host,
		Port:      uint16(port),
		Transport: "udp",
		Timeout:   s.timeout,
		Retries:   0, // the worker retries, with backoff
		MaxOids:   gosnmp.MaxOids,
		Logger:    gosnmp.NewLogger(nil),
	}
	if s.cfg.Version == config.SNMPv2c {
		g.Version = gosnmp.Version2c
		g.Community = s.cfg.Community
		if g.Community == "" {
			g.Community = "public"
		}
		return g, nil
	}
	g.Version = gosnmp.Version3
	g.SecurityModel = gosnmp.UserSecurityModel
	usm := &gosnmp.UsmSecurityParameters{UserName: s.cfg.User}
	g.MsgFlags = gosnmp.NoAuthNoPriv
	if s.cfg.AuthProtocol != "" {
		pass, err := readPassphrase("auth_passphrase_file", s.cfg.AuthPassphraseFile)
		if err != nil {
			return nil, err
		}
		usm.AuthenticationProtocol = authProtocol(s.cfg.AuthProtocol)
		usm.AuthenticationPassphrase = pass
		g.MsgFlags = gosnmp.AuthNoPriv
	}
	if s.cfg.PrivProtocol != "" {
		pass, err := readPassphrase("priv_passphrase_file", s.cfg.PrivPassphraseFile)
		if err != nil {
			return nil, err
		}
		usm.PrivacyProtocol = privProtocol(s.cfg.PrivProtocol)
		usm.PrivacyPassphrase = pass
		g.MsgFlags = gosnmp.AuthPriv
	}
	if !s.cfg.Inform {
		// A trap's sender is the authoritative engine (RFC 3414 §1.5.1):
		// its own id, boots and time. An inform discovers the manager's.
		usm.AuthoritativeEngineID = string(s.engineID)
		usm.AuthoritativeEngineBoots = engineBoots(s.started)
		usm.AuthoritativeEngineTime = uint32(time.Since(s.started) / time.Second)
	}
	g.SecurityParameters = usm
	return g, nil
}

// bootsEpoch is where engineBoots counts from: 2020-01-01 UTC, in unix
// seconds.
const bootsEpoch = 1577836800

// engineBoots is snmpEngineBoots for a sink started at start: the minutes
// since 2020, so that it grows with every restart of the daemon (RFC 3414
// wants it to, and a manager that checks the time window of traps would
// refuse a restarted sender whose boots stayed and whose time went back)
// without state to keep. It stays below 2^31-1 for four thousand years.
func engineBoots(start time.Time) uint32 {
	return uint32(max((start.Unix()-bootsEpoch)/60, 1))
}

func authProtocol(name string) gosnmp.SnmpV3AuthProtocol {
	switch name {
	case "SHA":
		return gosnmp.SHA
	case "SHA-224":
		return gosnmp.SHA224
	case "SHA-256":
		return gosnmp.SHA256
	case "SHA-384":
		return gosnmp.SHA384
	case "SHA-512":
		return gosnmp.SHA512
	}
	return gosnmp.NoAuth
}

func privProtocol(name string) gosnmp.SnmpV3PrivProtocol {
	switch name {
	case "AES":
		return gosnmp.AES
	case "AES-192":
		return gosnmp.AES192
	case "AES-256":
		return gosnmp.AES256
	}
	return gosnmp.NoPriv
}

// readPassphrase reads a passphrase file, which must be a regular file
// that group and others cannot read, and hold at least 8 characters (RFC
// 3414 §11.2) and at most surrounding white space. Errors never show the
// passphrase.
func readPassphrase(key, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: %s is not a regular file", key, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s: %s is readable or writable by group or others (mode %04o); chmod 600 it", key, path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return "", fmt.Errorf("%s: reading %s: %w", key, path, err)
	}
	if len(b) > maxPassphraseFile {
		return "", fmt.Errorf("%s: %s is larger than %d KiB; it should hold only the passphrase", key, path, maxPassphraseFile>>10)
	}
	pass := strings.TrimSpace(string(b))
	if n := utf8.RuneCountInString(pass); n < 8 {
		return "", fmt.Errorf("%s: %s holds %d characters; SNMPv3 passphrases have at least 8", key, path, n)
	}
	return pass, nil
}

// Send sends one notification for the message's event (a batch, which
// this sink never asks for, is sent event by event and fails as a whole
// if one of them fails).
func (s *Sink) Send(ctx context.Context, m *webhooks.Message) webhooks.Result {
	bodies := m.Bodies()
	for i, b := range bodies {
		pdus := Varbinds(b, m.Records[i].Event.Fields, volumeOf(m, i), time.Since(s.started))
		if err := s.send(ctx, pdus); err != nil {
			if ctx.Err() != nil {
				return webhooks.Result{Verdict: webhooks.Retry, Err: ctx.Err()}
			}
			return webhooks.Result{Verdict: webhooks.Retry, Err: err}
		}
	}
	return webhooks.Result{Verdict: webhooks.Delivered}
}

func volumeOf(m *webhooks.Message, i int) string {
	if m.Test {
		return ""
	}
	v, _ := m.Records[i].Event.Volume()
	return v
}

// send sends pdus as a trap or an inform, connecting first if need be.
func (s *Sink) send(ctx context.Context, pdus []gosnmp.SnmpPDU) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pace.take(ctx) {
		return ctx.Err()
	}
	if s.conn == nil {
		g, err := s.client()
		if err != nil {
			return err
		}
		if err := g.Connect(); err != nil {
			return fmt.Errorf("snmp %s: %w", s.cfg.Addr, err)
		}
		s.conn = g
	}
	g := s.conn
	g.Context = ctx
	if usm, ok := g.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok && !s.cfg.Inform {
		usm.AuthoritativeEngineTime = uint32(time.Since(s.started) / time.Second)
	}
	_, err := g.SendTrap(gosnmp.SnmpTrap{Variables: pdus, IsInform: s.cfg.Inform})
	if err != nil {
		// A new socket (and, for informs, a new engine discovery) next
		// time: the manager may have restarted with new engine boots.
		g.Conn.Close()
		s.conn = nil
		what := "trap"
		if s.cfg.Inform {
			what = "inform"
		}
		return fmt.Errorf("snmp %s to %s: %w", what, s.cfg.Addr, err)
	}
	return nil
}

// Close closes the socket.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		err := s.conn.Conn.Close()
		s.conn = nil
		return err
	}
	return nil
}

// Varbinds returns the variable bindings of the notification for one
// event: sysUpTime.0 (uptime, the sink's age), snmpTrapOID.0 and the
// objects of glusterEventNotification in its order. fields are the
// event's fields in wire order, for glusterEventMessage.
func Varbinds(b *webhooks.StandardBody, fields []gfevent.Field, volume string, uptime time.Duration) []gosnmp.SnmpPDU {
	var msg strings.Builder
	for i, f := range fields {
		if i > 0 {
			msg.WriteByte(';')
		}
		msg.WriteString(f.Key)
		msg.WriteByte('=')
		msg.WriteString(f.Value)
	}
	return []gosnmp.SnmpPDU{
		{Name: sysUpTimeOID, Type: gosnmp.TimeTicks, Value: uint32(uptime / (10 * time.Millisecond))},
		{Name: snmpTrapOIDOID, Type: gosnmp.ObjectIdentifier, Value: NotificationOID},
		{Name: oidName, Type: gosnmp.OctetString, Value: truncate(b.Event, maxShort)},
		{Name: oidSeq, Type: gosnmp.Counter64, Value: b.Seq},
		{Name: oidNode, Type: gosnmp.OctetString, Value: truncate(b.Node, maxShort)},
		{Name: oidEpoch, Type: gosnmp.OctetString, Value: truncate(b.Epoch, maxShort)},
		{Name: oidCategory, Type: gosnmp.OctetString, Value: truncate(b.Category, 32)},
		{Name: oidSeverity, Type: gosnmp.Integer, Value: severity(b.Severity)},
		{Name: oidTime, Type: gosnmp.OctetString, Value: dateAndTime(time.Unix(b.TS, 0))},
		{Name: oidVolume, Type: gosnmp.OctetString, Value: truncate(volume, maxVolume)},
		{Name: oidMessage, Type: gosnmp.OctetString, Value: truncate(msg.String(), maxMessage)},
	}
}

// severity is the GlusterSeverity value of a severity name; an unknown
// one (there is none in the catalogue) is sent as info.
func severity(s string) int {
	switch s {
	case "warning":
		return 2
	case "critical":
		return 3
	}
	return 1
}

// dateAndTime encodes t as SNMPv2-TC's 11-octet DateAndTime, in UTC.
func dateAndTime(t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	return []byte{byte(y >> 8), byte(y), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()), 0, '+', 0, 0}
}

// truncate cuts s to at most n bytes at a character boundary, ending with
// "..." when it had to cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
