// Package testenv decides what a test does when a real component it needs
// (glusterd, glustereventsd, mandoc, root, ...) is missing: outside CI it
// skips, with CI=true it fails, so that CI can never pass by skipping.
// It also holds the one way tests wait for something to happen (WaitFor).
// Imported by tests only.
package testenv

import (
	"os"
	"testing"
	"time"
)

// CI reports whether the tests run in CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Require stops the test when a component is missing: t.Fatalf in CI,
// t.Skipf elsewhere. what names the component and how to get it.
func Require(t testing.TB, present bool, what string) {
	t.Helper()
	if present {
		return
	}
	if CI() {
		t.Fatalf("%s is required (CI=true makes a missing component a failure)", what)
	}
	t.Skipf("%s is missing; skipped (with CI=true this fails)", what)
}

// WaitFor polls cond until it holds, and fails the test when timeout passes
// first. Tests wait on the condition itself, never for a fixed time.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
