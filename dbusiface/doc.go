// Package dbusiface will export gluster-eventing's state and events on D-Bus
// as org.gluster.Eventing1 (objects, PropertiesChanged, an Event signal) for
// desktop and storaged-style listeners. The export is the subject of its own
// issue; this package holds only its name in the tree until then, and
// nothing imports it.
package dbusiface
