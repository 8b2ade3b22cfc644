package dbusiface

import (
	"encoding/xml"
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// Standard interfaces the export implements itself.
const (
	propertiesInterface   = "org.freedesktop.DBus.Properties"
	introspectInterface   = "org.freedesktop.DBus.Introspectable"
	propertiesChanged     = propertiesInterface + ".PropertiesChanged"
	interfacesAdded       = ObjectManagerInterface + ".InterfacesAdded"
	interfacesRemoved     = ObjectManagerInterface + ".InterfacesRemoved"
	eventSignal           = ManagerInterface + ".Event"
	eventsLostSignal      = ManagerInterface + ".EventsLost"
	emitsChangedAnnotName = "org.freedesktop.DBus.Property.EmitsChangedSignal"
)

// How a property announces its changes (the EmitsChangedSignal annotation).
const (
	emitTrue        = "true"
	emitConst       = "const"
	emitInvalidates = "invalidates"
)

// propSpec is one property of an interface: its D-Bus signature and how its
// changes are signalled.
type propSpec struct {
	name, sig, emit string
}

// kind is one interface the export serves on a family of objects: its
// properties (in introspection order), methods and signals. order sorts
// InterfacesAdded (peers before the volumes and bricks that link to them)
// and, reversed, InterfacesRemoved.
type kind struct {
	iface   string
	order   int
	props   []propSpec
	methods []introspect.Method
	signals []introspect.Signal
}

func (k *kind) prop(name string) (propSpec, bool) {
	for _, p := range k.props {
		if p.name == name {
			return p, true
		}
	}
	return propSpec{}, false
}

func arg(name, typ, dir string) introspect.Arg {
	return introspect.Arg{Name: name, Type: typ, Direction: dir}
}

var (
	managerKind = &kind{
		iface: ManagerInterface,
		order: 0,
		props: []propSpec{
			{"Version", "s", emitConst},
			{"NodeUUID", "s", emitConst},
			{"GlusterdState", "s", emitTrue},
			{"StateStatus", "s", emitTrue},
			{"StreamEpoch", "s", emitTrue},
			{"LastSeq", "t", emitTrue},
			{"OldestSeq", "t", emitTrue},
			{"ConfigGeneration", "t", emitTrue},
			{"ConfigDigest", "s", emitTrue},
			{"EventsReceived", "t", emitTrue},
			{"EventsDropped", "t", emitTrue},
		},
		methods: []introspect.Method{
			{Name: "Reload", Args: []introspect.Arg{arg("options", "a{sv}", "in")}},
			{Name: "Refresh", Args: []introspect.Arg{arg("options", "a{sv}", "in")}},
			{Name: "GetEvents", Args: []introspect.Arg{
				arg("since", "t", "in"), arg("max", "u", "in"), arg("filter", "a{sv}", "in"),
				arg("events", "aa{sv}", "out"), arg("next", "t", "out"), arg("truncated", "b", "out"),
			}},
			{Name: "GetState", Args: []introspect.Arg{
				arg("options", "a{sv}", "in"), arg("snapshot", "a{sv}", "out"), arg("seq", "t", "out"),
			}},
		},
		signals: []introspect.Signal{
			{Name: "Event", Args: []introspect.Arg{
				arg("seq", "t", ""), arg("type", "s", ""), arg("ts_usec", "x", ""),
				arg("origin_node", "s", ""), arg("data", "a{sv}", ""),
			}},
			{Name: "EventsLost", Args: []introspect.Arg{arg("from", "t", ""), arg("to", "t", "")}},
		},
	}
	peerKind = &kind{
		iface: PeerInterface,
		order: 1,
		props: []propSpec{
			{"UUID", "s", emitConst},
			{"Hostname", "s", emitTrue},
			{"Hostnames", "as", emitTrue},
			{"State", "s", emitTrue},
			{"Connected", "b", emitTrue},
			{"Self", "b", emitTrue},
		},
	}
	volumeKind = &kind{
		iface: VolumeInterface,
		order: 2,
		props: []propSpec{
			{"Name", "s", emitConst},
			{"UUID", "s", emitConst},
			{"Type", "s", emitTrue},
			{"Status", "s", emitTrue},
			{"Health", "s", emitTrue},
			{"Bricks", "ao", emitTrue},
			{"BrickCount", "u", emitTrue},
			{"OnlineBrickCount", "u", emitTrue},
			{"ReplicaCount", "u", emitTrue},
			{"ArbiterCount", "u", emitTrue},
			{"DisperseCount", "u", emitTrue},
			{"RedundancyCount", "u", emitTrue},
			{"Transport", "s", emitTrue},
			{"Options", "a{ss}", emitInvalidates},
			{"LastChange", "x", emitTrue},
		},
	}
	brickKind = &kind{
		iface: BrickInterface,
		order: 3,
		props: []propSpec{
			{"Volume", "o", emitTrue},
			{"Peer", "o", emitTrue},
			{"HostUUID", "s", emitConst},
			{"Hostname", "s", emitTrue},
			{"Path", "s", emitConst},
			{"Arbiter", "b", emitTrue},
			{"Local", "b", emitTrue},
			{"Online", "b", emitTrue},
			{"Port", "u", emitTrue},
			{"PID", "u", emitTrue},
		},
	}
	webhookKind = &kind{
		iface: WebhookInterface,
		order: 4,
		props: []propSpec{
			{"ID", "s", emitConst},
			{"Name", "s", emitTrue},
			{"URL", "s", emitTrue},
			{"Format", "s", emitTrue},
			{"State", "s", emitTrue},
			{"Enabled", "b", emitTrue},
			{"QueueDepth", "u", emitTrue},
			{"Delivered", "t", emitTrue},
			{"Failed", "t", emitTrue},
			{"DeadLetters", "t", emitTrue},
			{"ConsecutiveFailures", "u", emitTrue},
			{"LastAttempt", "x", emitTrue},
			{"LastStatus", "i", emitTrue},
			{"LastError", "s", emitTrue},
		},
	}
)

var objectManagerData = introspect.Interface{
	Name: ObjectManagerInterface,
	Methods: []introspect.Method{{Name: "GetManagedObjects", Args: []introspect.Arg{
		arg("objects", "a{oa{sa{sv}}}", "out"),
	}}},
	Signals: []introspect.Signal{
		{Name: "InterfacesAdded", Args: []introspect.Arg{
			arg("object_path", "o", ""), arg("interfaces_and_properties", "a{sa{sv}}", ""),
		}},
		{Name: "InterfacesRemoved", Args: []introspect.Arg{
			arg("object_path", "o", ""), arg("interfaces", "as", ""),
		}},
	},
}

// introspection returns the interface's introspection data.
func (k *kind) introspection() introspect.Interface {
	in := introspect.Interface{Name: k.iface, Methods: k.methods, Signals: k.signals}
	for _, p := range k.props {
		in.Properties = append(in.Properties, introspect.Property{
			Name: p.name, Type: p.sig, Access: "read",
			Annotations: []introspect.Annotation{{Name: emitsChangedAnnotName, Value: p.emit}},
		})
	}
	return in
}

// introspectXML is the introspection document of the node at path: its
// interface (nil for the root and the directories), the standard ones, and
// its children's names, sorted.
func introspectXML(path dbus.ObjectPath, k *kind, children []string) string {
	n := introspect.Node{Name: string(path)}
	if path == RootPath {
		n.Interfaces = append(n.Interfaces, objectManagerData)
	}
	if k != nil {
		n.Interfaces = append(n.Interfaces, k.introspection(), prop.IntrospectData)
	}
	n.Interfaces = append(n.Interfaces, introspect.IntrospectData, introspect.PeerData)
	slices.Sort(children)
	for _, c := range children {
		n.Children = append(n.Children, introspect.Node{Name: c})
	}
	b, err := xml.MarshalIndent(n, "", " ")
	if err != nil {
		// Only fixed types are marshalled: this cannot fail.
		panic(err)
	}
	var s strings.Builder
	s.WriteString(strings.TrimSpace(introspect.IntrospectDeclarationString))
	s.WriteByte('\n')
	s.Write(b)
	s.WriteByte('\n')
	return s.String()
}
