// Package deptest holds the test that enforces gluster-eventing's import
// rules (../shared/DESIGN.md, Layout): domain packages never import cmd,
// daemon or a consumer; consumers (webhooks, dbusiface, ...) never import
// each other, the daemon or cmd; the daemon never imports cmd; only the root
// main package imports cmd; test support is imported by tests only. The
// rules are tables in deptest_test.go, so that each new capability adds a
// row instead of eroding the layering. Like tailscale's tstest/deptest, it
// reads the package graph from `go list`. Nothing imports this package.
package deptest
