// Package forward makes every node's event view cluster-wide: each daemon
// serves its own journal, and the replicas of other nodes' journals it
// holds, to its peers over HTTP on peer_listen, and pulls theirs into a
// replica store (a bbolt file of its own beside the journal). Every
// origin's events keep the origin's own seqs and epoch, so a stream
// cursor (internal/eventlog) taken on one node resumes on any other, and a
// node that was unreachable catches up with no gap and no duplicate: from
// each origin itself while it answers, else from the peer that holds the
// most of it.
//
// Requests and responses are authenticated with HMAC-SHA256 under the
// cluster config's peer key (config.PeerKeys), with a time window and a
// nonce cache against replays; the key itself never crosses the wire. The
// channel is not encrypted.
//
// Imported by daemon/, which owns the store, the Server, the Forwarder
// and the Source handed to the event API; it imports no daemon code.
package forward
