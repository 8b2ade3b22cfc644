package man

// pEmailSNMP documents the email and SNMP notifiers on
// gluster-eventing-webhooks(8); their keys are in gluster-eventing.toml(5),
// [notifier.email] and [notifier.snmp].
const pEmailSNMP = "notifier-add email mails the events through an SMTP server, one mail per batch. " +
	"gluster-eventing notifier-add email --name ops --to ops@example.com --filter severity:critical --interval 1m " +
	"--smtp mail.example.com:587 --username gluster --password-file /etc/gluster-eventing/smtp-password " +
	"mails the critical events, at most one mail a minute: a storm is one mail, whose subject gives the number of events and " +
	"the worst severity and whose text is a table of the events and each event with its fields. --tls is starttls (required; " +
	"the default), opportunistic, implicit (SMTPS, the default on port 465) or none; the server's certificate is always " +
	"verified, against the system's roots or --smtp-ca-file. The password is read from --password-file (mode 0600) on every " +
	"node at each delivery and never copied into the cluster config. A mail is delivered when the server accepted it; a " +
	"refusal, 4xx or 5xx, is retried until --max-age, so a mistyped password or recipient loses nothing once fixed. " +
	"notifier-add snmp sends each event to an SNMP manager as a glusterEventNotification of GLUSTER-EVENTING-MIB, " +
	"installed in /usr/share/snmp/mibs: gluster-eventing notifier-add snmp --name nms --target nms.example.com " +
	"--community-file /root/community sends SNMPv2c traps; --user, --auth-protocol SHA-256 --auth-passphrase-file and " +
	"--priv-protocol AES --priv-passphrase-file send SNMPv3 ones. Traps are delivered once sent; with --inform the manager " +
	"acknowledges each event, which is retried until it does. SNMPv3 traps carry each node's own engine id, 0x8000000005 " +
	"and its glusterd UUID (notifier-add prints this node's), for which the manager needs the user (Net-SNMP: createUser -e). " +
	"--max-rate (default 100 a second) spreads a storm out so that the manager does not drop traps."
