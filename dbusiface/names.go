// Package dbusiface is gluster-eventing's D-Bus interface, org.gluster.Eventing1:
// the volumes, bricks and peers of the state table as objects with
// properties, and the journal's events as signals, for desktop and
// storaged-style listeners that cannot take webhooks or an HTTP stream.
//
// It holds the API's names (bus name, object paths, interfaces, errors),
// the escaping of Gluster names into object path elements, so that every
// path is stable and valid, and the export itself (Start): the objects are
// rebuilt from the state table on every change set and diffed, so that
// each object gets one PropertiesChanged per change set, coalesced to at
// most one per FlushInterval under storms; GetManagedObjects and Get answer
// from the same live values under the same lock. All bus work runs in the
// export's own goroutines: intake, the journal and the table never wait for
// a slow bus. The API follows UDisks2
// (../shared/reference/CONVENTIONS.md §1): an ObjectManager at the root, a
// Manager singleton, one flat directory per kind of object, names in
// properties rather than parsed from paths.
//
// dbusiface is a consumer: the daemon imports it, and it imports only domain
// packages, never the daemon, cmd or another consumer (internal/deptest
// enforces this). It has no package-level mutable state.
package dbusiface

import "github.com/godbus/dbus/v5"

// BusName is the well-known name the daemon owns on the bus. The version in
// it (and in every interface name and RootPath) changes only with an
// incompatible change of the API.
const BusName = "org.gluster.Eventing1"

// Object paths. Volumes, bricks, peers and webhooks are children of their
// directory, named by PathElement; see VolumePath, BrickPath and PeerPath.
const (
	// RootPath implements only org.freedesktop.DBus.ObjectManager: clients
	// discover every other object through it.
	RootPath     dbus.ObjectPath = "/org/gluster/Eventing1"
	ManagerPath  dbus.ObjectPath = RootPath + "/Manager"
	VolumesPath  dbus.ObjectPath = RootPath + "/volumes"
	BricksPath   dbus.ObjectPath = RootPath + "/bricks"
	PeersPath    dbus.ObjectPath = RootPath + "/peers"
	WebhooksPath dbus.ObjectPath = RootPath + "/webhooks"
)

// Interface names.
const (
	ManagerInterface = BusName + ".Manager"
	VolumeInterface  = BusName + ".Volume"
	BrickInterface   = BusName + ".Brick"
	PeerInterface    = BusName + ".Peer"
	WebhookInterface = BusName + ".Webhook"

	// ObjectManagerInterface is the standard interface of RootPath; godbus
	// does not implement it.
	ObjectManagerInterface = "org.freedesktop.DBus.ObjectManager"
)

// Error names of method replies.
const (
	ErrorNotFound      = BusName + ".Error.NotFound"
	ErrorInvalidArgs   = BusName + ".Error.InvalidArgs"
	ErrorNotAuthorized = BusName + ".Error.NotAuthorized"
	ErrorFailed        = BusName + ".Error.Failed"
	ErrorBusy          = BusName + ".Error.Busy"
)
