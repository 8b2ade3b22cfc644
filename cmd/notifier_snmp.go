package cmd

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks/snmpsink"
)

// snmpFlags are the SNMP notifier's flags.
type snmpFlags struct {
	Target             string `help:"snmp: the manager, HOST or HOST:PORT (port 162)." placeholder:"HOST[:PORT]"`
	SNMPVersion        string `name:"snmp-version" help:"snmp: 2c or 3 (default 3 with --user, else 2c)." placeholder:"2c|3"`
	Community          string `help:"snmp: the SNMPv2c community (default public). Visible in the process list: prefer --community-file." placeholder:"COMMUNITY"`
	CommunityFile      string `help:"snmp: read the SNMPv2c community from this file, or from standard input if '-'." placeholder:"PATH"`
	Inform             *bool  `negatable:"" help:"snmp: send informs, which the manager acknowledges (an event is retried until it is), instead of traps (delivered once sent)."`
	User               string `help:"snmp: the SNMPv3 user." placeholder:"USER"`
	AuthProtocol       string `help:"snmp: the SNMPv3 authentication protocol: SHA, SHA-224, SHA-256, SHA-384 or SHA-512." placeholder:"PROTO"`
	AuthPassphraseFile string `help:"snmp: the file holding the SNMPv3 authentication passphrase, mode 0600, on every node (read by the daemon, never copied into the config)." placeholder:"PATH" type:"path"`
	PrivProtocol       string `help:"snmp: the SNMPv3 privacy protocol: AES, AES-192 or AES-256." placeholder:"PROTO"`
	PrivPassphraseFile string `help:"snmp: the file holding the SNMPv3 privacy passphrase, like --auth-passphrase-file." placeholder:"PATH" type:"path"`
	EngineID           string `help:"snmp: the SNMPv3 engine id of traps, in hex (default: 0x8000000005 and the node's glusterd UUID, different on each node)." placeholder:"HEX"`
	MaxRate            int    `help:"snmp: the most notifications a second (default 100, in bursts of up to 100), so that a storm does not overflow the manager." placeholder:"N"`
}

func (f *snmpFlags) kind() string { return config.KindSNMP }

func (f *snmpFlags) given() []string {
	return givenNames([]flagGiven{
		{"--target", f.Target != ""}, {"--snmp-version", f.SNMPVersion != ""}, {"--community", f.Community != ""},
		{"--community-file", f.CommunityFile != ""}, {"--[no-]inform", f.Inform != nil}, {"--user", f.User != ""},
		{"--auth-protocol", f.AuthProtocol != ""}, {"--auth-passphrase-file", f.AuthPassphraseFile != ""},
		{"--priv-protocol", f.PrivProtocol != ""}, {"--priv-passphrase-file", f.PrivPassphraseFile != ""},
		{"--engine-id", f.EngineID != ""}, {"--max-rate", f.MaxRate != 0},
	})
}

func (f *snmpFlags) apply(env *Env, n *config.Notifier) error {
	if n.SNMP == nil {
		n.SNMP = &config.SNMPNotifier{}
	}
	s := n.SNMP
	// fn of a cluster change may run more than once: f stays as parsed.
	community := f.Community
	if f.CommunityFile != "" {
		if f.Community != "" {
			return errorf(ExitUsage, "--community-file and --community are both set: give one")
		}
		c, err := readSecret(env, "--community-file", f.CommunityFile)
		if err != nil {
			return err
		}
		community = c
	}
	if f.Target != "" {
		s.Addr = f.Target
	}
	switch version := strings.TrimPrefix(f.SNMPVersion, "v"); {
	case version != "":
		s.Version = version
	case s.Version == "" && f.User != "":
		s.Version = config.SNMPv3
	case s.Version == "":
		s.Version = config.SNMPv2c
	}
	// A switch of version drops the other version's settings.
	if s.Version == config.SNMPv3 {
		s.Community = ""
	} else {
		s.User, s.AuthProtocol, s.AuthPassphraseFile, s.PrivProtocol, s.PrivPassphraseFile, s.EngineID = "", "", "", "", "", ""
	}
	if community != "" {
		s.Community = community
	}
	if f.Inform != nil {
		s.Inform = *f.Inform
	}
	if f.User != "" {
		s.User = f.User
	}
	if f.AuthProtocol != "" {
		s.AuthProtocol = f.AuthProtocol
	}
	for _, p := range []struct {
		flag, path string
		dst        *string
	}{
		{"--auth-passphrase-file", f.AuthPassphraseFile, &s.AuthPassphraseFile},
		{"--priv-passphrase-file", f.PrivPassphraseFile, &s.PrivPassphraseFile},
	} {
		if p.path == "" {
			continue
		}
		if err := checkSecretFile(p.flag, p.path); err != nil {
			return err
		}
		*p.dst = p.path
	}
	if f.PrivProtocol != "" {
		s.PrivProtocol = f.PrivProtocol
	}
	if f.EngineID != "" {
		s.EngineID = f.EngineID
	}
	if f.MaxRate != 0 {
		s.MaxRate = f.MaxRate
	}
	return nil
}

// NotifierAddSNMPCmd is notifier-add snmp.
type NotifierAddSNMPCmd struct {
	notifierFlags
	snmpFlags
}

// Help is the detail of notifier-add snmp --help.
func (c *NotifierAddSNMPCmd) Help() string {
	return "Sends each event to --target as a glusterEventNotification of GLUSTER-EVENTING-MIB (installed in " +
		"/usr/share/snmp/mibs; load it in the manager): SNMPv2c with a community, or SNMPv3 with --user and " +
		"passphrase files. 'notifier-add snmp --target nms.example.com --community-file /root/community' sends traps " +
		"to the NMS. Traps are not acknowledged: one that is lost on the network or in a manager that falls behind " +
		"is not sent again. With --inform the manager acknowledges each event, which is retried until it does. " +
		"SNMPv3 traps are sent with each node's own engine id (see --engine-id): the manager needs the user " +
		"for each node's id (Net-SNMP: createUser -e ID ...); informs use the manager's id and need no such setup."
}

func (c *NotifierAddSNMPCmd) Run(env *Env, g *Globals) error {
	if c.Target == "" {
		return errorf(ExitUsage, "notifier-add snmp needs --target HOST[:PORT], the SNMP manager")
	}
	if err := addNotifier(env, g, &c.notifierFlags, &c.snmpFlags); err != nil {
		return err
	}
	v3trap := strings.TrimPrefix(c.SNMPVersion, "v") == config.SNMPv3 || (c.SNMPVersion == "" && c.User != "")
	if v3trap && (c.Inform == nil || !*c.Inform) && c.EngineID == "" && !g.JSON {
		node, err := loadNode(g)
		if err == nil {
			fmt.Fprintf(env.Stderr, "%s: note: SNMPv3 traps are sent with each node's engine id, 0x8000000005 and its glusterd UUID "+
				"without dashes (this node: 0x%s); the manager needs the user for each node's id (Net-SNMP: createUser -e ID %s ...)\n",
				env.Prog, hex.EncodeToString(snmpsink.EngineID(selfID(node))), c.User)
		}
	}
	return nil
}
