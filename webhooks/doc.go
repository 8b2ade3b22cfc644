// Package webhooks delivers journaled Gluster events to HTTP webhooks.
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
// Requests go out through a small keep-alive HTTP/1.1 client (h1.go) that
// does the write and the read on the delivering goroutine; net/http's
// Transport cost half the daemon's CPU at ten thousand events a second.
// net/http still carries requests that go through a proxy.
//
// The package also holds the signing primitives ([GlusterJWT],
// [StandardSignature]) and a one-shot [Test] delivery.
//
// Imported by daemon/ (which runs a Manager over its journal) and cmd/
// (webhook-test, and showing delivery health). It has no package-level
// mutable state.
package webhooks
