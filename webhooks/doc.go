// Package webhooks delivers journaled Gluster events to HTTP webhooks and
// to the other notifiers (a command, a mail server, an SNMP manager).
//
// glustereventsd POSTed each event once, with no timeout and no retry, and
// fell back to unverified TLS; an outage of the receiver, a reload or a
// secret lost events. Here every webhook is a [Worker]: a cursor into the
// daemon's journal that reads records in order, filters them, builds the
// legacy body (byte for byte glustereventsd's) or a signed Standard Webhooks
// body, and POSTs it over verified TLS, retrying with capped, jittered
// exponential backoff ([Delay]) whose schedule is persisted in the journal
// so that a restart resumes it. A [Manager] owns the set of workers and
// applies configuration changes without losing or duplicating events.
//
// The cursor, retry, backoff, dead-letter, replay and batching logic is
// written once, in the Worker; what a worker delivers to is a [Sink]. An
// HTTP webhook is one sink (http.go, target.go), an exec notifier another
// (exec.go); the email and SNMP sinks live in packages below this one
// (mailsink, snmpsink), whose factories the daemon passes in
// [Options.Sinks] by notifier kind, so that they can import this package.
// A sink that implements [Batcher] gets batches: email turns a storm into
// one message per interval, and the cursor moves over a batch only once it
// is delivered.
//
// Requests go out through net/http, with one tuned http.Transport per
// webhook (http.go): a keep-alive pool as large as max_in_flight, HTTP/2
// where the receiver offers it over TLS, proxies from the environment. An
// earlier hand-written HTTP/1.1 client was faster, but a review found it
// misread a stray response as the next answer, sent a POST again without
// counting it, did not resolve IDN host names and was laxer or stricter
// than HTTP allows; net/http gets these right and is maintained, and
// Gluster clusters emit tens of events a second, not the thousands its
// speed was for. BenchmarkDelivery compares deliveries with a bare
// net/http client posting to the same receiver.
//
// The package also holds the signing primitives ([GlusterJWT],
// [StandardSignature]), the receiver's checks of them ([VerifyBearer],
// [VerifyGlusterJWT], [VerifyStandard], used by gluster-eventing listen)
// and a one-shot [SendTestEvent] delivery.
//
// Imported by daemon/ (which runs a Manager over its journal) and cmd/
// (webhook-test, and showing delivery health). It has no package-level
// mutable state.
package webhooks
