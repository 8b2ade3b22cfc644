// Package testenv decides what a test does when a real component it needs
// (glusterd, glustereventsd, mandoc, root, ...) is missing: outside CI it
// skips, with CI=true it fails, so that CI can never pass by skipping.
// Imported by tests only.
package testenv

import (
	"os"
	"testing"
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
