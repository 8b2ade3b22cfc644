package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/gofrs/flock"

	"github.com/gluster/gluster-eventing/internal/filter"
)

// Webhook body formats.
const (
	// FormatLegacy is glustereventsd's body, with an optional bearer token
	// or Gluster-compatible JWT (Secret).
	FormatLegacy = "legacy"
	// FormatStandard is a Standard Webhooks body signed with SigningSecret.
	FormatStandard = "standard"
)

// redacted replaces secrets in Redacted copies.
const redacted = "REDACTED"

// Cluster is the cluster-shared config, <glusterd workdir>/events/
// gluster-eventing.toml, identical on every peer.
type Cluster struct {
	Version int `toml:"version"`
	// Generation is bumped by every Update. Peers keep the copy with the
	// highest generation.
	Generation int64 `toml:"generation"`
	// Origin is the glusterd UUID of the node where the change that made
	// this generation was typed, "" for a config imported from Gluster's
	// files or written before origins existed. Of two configs with the
	// same generation, the one with the lower origin wins (see
	// internal/cluster), so that concurrent changes resolve the same way
	// on every node.
	Origin string `toml:"origin,omitempty"`

	// The legacy gluster-eventsapi keys, with the same names and meanings;
	// see Get, Set and Reset.

	// LogLevel is DEBUG, INFO, WARNING or ERROR.
	LogLevel string `toml:"log-level"`
	// Port is the legacy UDP port. Gluster's C emitters send to 55555
	// whatever it says.
	Port int `toml:"port"`
	// DisableEventsLog turns off the published-events log.
	DisableEventsLog bool `toml:"disable-events-log"`

	// Disabled turns event keys off cluster-wide: the daemons drop those
	// events before the journal and count them. Patterns as typed
	// ("Volume.*"), "!PATTERN" exceptions; see DisabledSet.
	Disabled []string `toml:"disabled,omitempty"`

	// Peer holds the key of node-to-node event forwarding (see PeerKeys).
	Peer PeerKeys `toml:"peer,omitempty"`

	// Channels are named filters ([channels.NAME]) that webhooks,
	// notifiers and stream clients refer to.
	Channels map[string]Channel `toml:"channels,omitempty"`

	Webhooks []Webhook `toml:"webhook,omitempty"`
	// Notifiers are the [[notifier]] tables (exec, email, snmp).
	Notifiers []Notifier `toml:"notifier,omitempty"`

	// Warnings are notes about the file that loaded without error but
	// deserve the operator's attention (deprecated keys); the daemon logs
	// them. They are not part of the file.
	Warnings []string `toml:"-" json:"-"`
}

// Webhook is one delivery target, a [[webhook]] table.
type Webhook struct {
	// ID names the webhook for good: its journal cursor, retry state and
	// dead letters are keyed by it, so the URL and credentials can change
	// without losing a backlog. webhook-add assigns a random one; a
	// webhook without one (imported from Gluster, or written before ids
	// existed) gets IDFromURL(URL), the name its cursor already had.
	ID string `toml:"id" json:"id"`
	// Name is an optional label, unique in the cluster, that commands
	// accept in place of the id or URL.
	Name string `toml:"name,omitempty" json:"name,omitempty"`
	URL  string `toml:"url" json:"url"`
	// Format is FormatLegacy or FormatStandard.
	Format string `toml:"format" json:"format"`
	// Token is a static bearer token.
	Token string `toml:"token" json:"token,omitempty"`
	// Secret is the legacy JWT HS256 secret; when set, the JWT replaces
	// Token in the Authorization header (as in glustereventsd).
	Secret string `toml:"secret" json:"secret,omitempty"`
	// SigningSecret is the Standard Webhooks secret, "whsec_<base64>".
	SigningSecret string `toml:"signing_secret" json:"signing_secret,omitempty"`
	// CAFile is an extra CA bundle to verify the receiver's certificate with.
	CAFile string `toml:"ca_file" json:"ca_file,omitempty"`
	// Timeout bounds one delivery attempt.
	Timeout Duration `toml:"timeout" json:"timeout"`
	// MaxInFlight is the number of concurrent deliveries (1-64); above 1,
	// receivers order events by the seq in the body.
	MaxInFlight int `toml:"max_in_flight" json:"max_in_flight"`
	// MaxAttempts caps the attempts at one event; 0 retries until MaxAge.
	MaxAttempts int `toml:"max_attempts" json:"max_attempts"`
	// MaxAge is how long an event is retried, counted from when it was
	// journaled (or replayed), before it is dead-lettered. Every failed
	// attempt but a 410 Gone is retried: a 401 from a mistyped secret or a
	// 404 from a wrong path is fixed by the operator, not by giving up.
	MaxAge Duration `toml:"max_age" json:"max_age"`
	// DeadLetterAfter is a key of earlier versions, which dead-lettered an
	// event after this many 4xx answers. It is read so that their files
	// still load, ignored (with a warning) and dropped when the file is
	// next written.
	DeadLetterAfter int `toml:"dead_letter_after,omitzero" json:"-"`
	// Dedup drops an event that says what the last one about the same
	// brick, volume, peer or service said (Gluster repeats
	// BRICK_DISCONNECTED while a brick stays down); off, the webhook gets
	// every event exactly as Gluster sent it.
	Dedup bool `toml:"dedup,omitempty" json:"dedup,omitempty"`
	// Enrich adds the event's "category" (the subsystem) and "severity" to
	// a legacy body, which is otherwise glustereventsd's byte for byte.
	// Standard bodies always carry them.
	Enrich bool `toml:"enrich,omitempty" json:"enrich,omitempty"`
	// Events, if not empty, are the event names or path.Match globs
	// ("VOLUME_*") this webhook gets; see Match.
	Events []string `toml:"events" json:"events"`
	// Filter is a filter-language expression (see internal/filter); the
	// webhook gets the events it, Events and Channel all select.
	Filter string `toml:"filter,omitempty" json:"filter,omitempty"`
	// Channel names a [channels.NAME] whose filter applies too.
	Channel string `toml:"channel,omitempty" json:"channel,omitempty"`

	// Resolved is Filter and Channel compiled against the cluster's
	// channels by Cluster.Validate (so by LoadCluster too); nil when both
	// are empty. See Compiled.
	Resolved *filter.Filter `toml:"-" json:"-"`
}

// DefaultCluster returns the cluster config used when there is no file: the
// legacy defaults and no webhooks.
func DefaultCluster() *Cluster {
	return &Cluster{
		Version:  SchemaVersion,
		LogLevel: "INFO",
		Port:     55555,
		Webhooks: []Webhook{},
	}
}

// DefaultWebhook returns a legacy-format webhook with the default delivery
// settings and no URL. A [[webhook]] table starts from these values.
func DefaultWebhook() Webhook {
	return Webhook{
		Format:      FormatLegacy,
		Timeout:     Duration(15 * time.Second),
		MaxInFlight: 1,
		MaxAge:      Duration(72 * time.Hour),
		Events:      []string{},
	}
}

// clusterFile is what a cluster config file decodes into: the webhooks are
// decoded one by one onto DefaultWebhook, so each table's missing keys get
// the defaults.
type clusterFile struct {
	Cluster
	Webhooks  []toml.Primitive `toml:"webhook"`
	Notifiers []toml.Primitive `toml:"notifier"`
}

// LoadCluster reads, strictly decodes and validates the cluster config at
// path. Keys the file leaves out keep their defaults. If the file does not
// exist it returns DefaultCluster() and an error wrapping ErrNotExist.
func LoadCluster(path string) (*Cluster, error) {
	text, err := readFile(path)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return DefaultCluster(), err
		}
		return nil, err
	}
	f := clusterFile{Cluster: *DefaultCluster()}
	md, err := decodeStrict(path, text, &f)
	if err != nil {
		return nil, err
	}
	c := &f.Cluster
	for _, p := range f.Webhooks {
		w := DefaultWebhook()
		if err := md.PrimitiveDecode(p, &w); err != nil {
			return nil, tomlError(path, err)
		}
		if w.DeadLetterAfter != 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: webhook %s: dead_letter_after is no longer used and is ignored: "+
				"every failed delivery but 410 Gone is retried until max_age (%s); it is dropped when the file is next written",
				path, w.String(), w.MaxAge))
			w.DeadLetterAfter = 0
		}
		if w.ID == "" {
			w.ID = IDFromURL(w.URL)
		}
		c.Webhooks = append(c.Webhooks, w)
	}
	if c.Notifiers, err = decodeNotifiers(path, md, f.Notifiers); err != nil {
		return nil, err
	}
	if err := checkStrict(path, text, md, reflect.TypeFor[Cluster](), c.Version); err != nil {
		return nil, err
	}
	if l, ok := clusterLogLevel(c.LogLevel); ok {
		c.LogLevel = l
	}
	if err := c.Validate(); err != nil {
		return nil, inFile(path, err)
	}
	return c, nil
}

// WriteCluster validates c and writes it atomically to path with mode 0600,
// and its legacy view to webhooks.json beside it (see WriteLegacyMirror).
// It writes c as is; Update is what bumps the generation.
func WriteCluster(path string, c *Cluster) error {
	if err := c.Validate(); err != nil {
		return inFile(path, err)
	}
	if err := WriteFileAtomic(path, c.Encode(), 0o600); err != nil {
		return err
	}
	return WriteLegacyMirror(filepath.Dir(path), c)
}

// Update changes the cluster config at path under an exclusive flock on
// path+".lock": it loads the file (the defaults if there is none), calls fn,
// validates the result, bumps Generation and writes it atomically. It
// returns the config as written. An error from fn is returned as is and
// nothing is written. If fn changes nothing, nothing is written and the
// generation stays.
func Update(path string, fn func(c *Cluster) error) (*Cluster, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	lock := flock.New(path + ".lock")
	if err := lock.Lock(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	defer lock.Close()

	c, err := LoadCluster(path)
	if err != nil && !errors.Is(err, ErrNotExist) {
		return nil, err
	}
	before := string(c.Encode())
	if err := fn(c); err != nil {
		return nil, err
	}
	c.fillIDs()
	if string(c.Encode()) == before {
		return c, nil
	}
	c.Generation++
	if err := WriteCluster(path, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Encode returns c as the TOML WriteCluster writes; a webhook without an
// id is written with its Key.
func (c *Cluster) Encode() []byte {
	if slices.ContainsFunc(c.Webhooks, func(w Webhook) bool { return w.ID == "" }) {
		c = c.Clone()
		c.fillIDs()
	}
	return encode("# gluster-eventing cluster-shared configuration, identical on every peer;\n"+
		"# see gluster-eventing.toml(5). Change it with gluster-eventing commands.\n\n", c)
}

// fillIDs gives every webhook without an id its Key.
func (c *Cluster) fillIDs() {
	for i := range c.Webhooks {
		c.Webhooks[i].ID = c.Webhooks[i].Key()
	}
	for i := range c.Notifiers {
		c.Notifiers[i].ID = c.Notifiers[i].Key()
	}
}

// Digest returns the hex SHA-256 of Encode(), which is the file content
// WriteCluster writes; peers compare it to detect diverging copies.
func (c *Cluster) Digest() string {
	sum := sha256.Sum256(c.Encode())
	return hex.EncodeToString(sum[:])
}

// Clone returns a deep copy of c.
func (c *Cluster) Clone() *Cluster {
	out := *c
	out.Warnings = append([]string(nil), c.Warnings...)
	out.Disabled = slices.Clone(c.Disabled)
	out.Channels = maps.Clone(c.Channels)
	out.Webhooks = make([]Webhook, len(c.Webhooks))
	for i, w := range c.Webhooks {
		w.Events = append([]string{}, w.Events...)
		out.Webhooks[i] = w
	}
	out.Notifiers = cloneNotifiers(c.Notifiers, false)
	return &out
}

// Redacted returns a deep copy of c with every webhook Redacted.
func (c *Cluster) Redacted() *Cluster {
	out := c.Clone()
	for i := range out.Webhooks {
		out.Webhooks[i] = out.Webhooks[i].Redacted()
	}
	out.Notifiers = cloneNotifiers(c.Notifiers, true)
	out.Peer = out.Peer.Redacted()
	return out
}

// Webhook returns the webhook with this exact URL, or nil.
func (c *Cluster) Webhook(url string) *Webhook {
	for i := range c.Webhooks {
		if c.Webhooks[i].URL == url {
			return &c.Webhooks[i]
		}
	}
	return nil
}

// Find returns the webhook that ref names: its id, its name or its exact
// URL, in that order; nil if none does.
func (c *Cluster) Find(ref string) *Webhook {
	if i := c.index(ref); i >= 0 {
		return &c.Webhooks[i]
	}
	return nil
}

// Remove deletes the webhook that ref names (see Find) and returns it.
func (c *Cluster) Remove(ref string) (Webhook, bool) {
	i := c.index(ref)
	if i < 0 {
		return Webhook{}, false
	}
	w := c.Webhooks[i]
	c.Webhooks = append(c.Webhooks[:i], c.Webhooks[i+1:]...)
	return w, true
}

func (c *Cluster) index(ref string) int {
	for _, match := range []func(w *Webhook) bool{
		func(w *Webhook) bool { return w.Key() == ref },
		func(w *Webhook) bool { return w.Name == ref },
		func(w *Webhook) bool { return w.URL == ref },
	} {
		for i := range c.Webhooks {
			if ref != "" && match(&c.Webhooks[i]) {
				return i
			}
		}
	}
	return -1
}

// Key is the webhook's id: ID, or IDFromURL(URL) for a webhook built in
// code without one (LoadCluster sets ID on every webhook it reads).
func (w *Webhook) Key() string {
	if w.ID != "" {
		return w.ID
	}
	return IDFromURL(w.URL)
}

// IDFromURL is the id of a webhook that has none: the first 16 hex digits
// of the SHA-256 of its URL. Every peer derives the same one, and it is
// the name that webhook's journal cursor had before webhooks had ids.
func IDFromURL(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])[:16]
}

// NewWebhookID returns a random webhook id: 16 lower-case hex digits.
func NewWebhookID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("config: crypto/rand: " + err.Error()) // never fails on Linux
	}
	return hex.EncodeToString(b[:])
}

// Validate checks every field and returns all problems joined, each naming
// its field, such as "webhook[2].url".
func (c *Cluster) Validate() error {
	var p problems
	if c.Version != SchemaVersion {
		p.add("version", "unsupported version %d (want %d)", c.Version, SchemaVersion)
	}
	if c.Generation < 0 {
		p.add("generation", "must not be negative")
	}
	if !validLogLevel(c.LogLevel) {
		p.add("log-level", "%q is not one of DEBUG, INFO, WARNING, ERROR", c.LogLevel)
	}
	if c.Port < 1 || c.Port > 65535 {
		p.add("port", "%d is not between 1 and 65535", c.Port)
	}
	c.validateDisabled(&p)
	c.Peer.validate(&p)
	first := map[string]int{}
	unique := func(field, key string, i int, what string) bool {
		k := field + "\x00" + key
		if j, dup := first[k]; dup && key != "" {
			p.add(fmt.Sprintf("webhook[%d].%s", i, field), "same %s as webhook[%d]", what, j)
			return false
		}
		first[k] = i
		return true
	}
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		w.validate(fmt.Sprintf("webhook[%d].", i), &p)
		// The same URL without ids derives the same id: say it once.
		if unique("url", w.URL, i, "URL") {
			unique("id", w.Key(), i, "id")
		}
		unique("name", w.Name, i, "name")
	}
	// A name that is another webhook's id would make references ambiguous.
	for i := range c.Webhooks {
		if j, ok := first["id\x00"+c.Webhooks[i].Name]; ok && j != i {
			p.add(fmt.Sprintf("webhook[%d].name", i), "is the id of webhook[%d]", j)
		}
	}
	c.validateChannels(&p)
	c.validateNotifiers(&p)
	return p.err()
}

// Validate checks one webhook on its own (webhook-test checks a URL that
// need not be configured).
func (w *Webhook) Validate() error {
	var p problems
	w.validate("webhook", &p)
	return p.err()
}

func (w *Webhook) validate(prefix string, p *problems) {
	if w.ID != "" && !validID(w.ID) {
		p.add(prefix+"id", "%q is not 1 to 64 lower-case letters, digits, '-' or '_'", w.ID)
	}
	if w.Name != "" && !validName(w.Name) {
		p.add(prefix+"name", "%q is not 1 to 64 letters, digits, '.', '-' or '_' (starting with a letter or digit)", w.Name)
	}
	if err := checkURL(w.URL); err != nil {
		p.add(prefix+"url", "%v", err)
	}
	switch w.Format {
	case FormatLegacy:
		if w.SigningSecret != "" {
			p.add(prefix+"signing_secret", "only used with format = %q; legacy webhooks use secret", FormatStandard)
		}
	case FormatStandard:
		if w.Secret != "" {
			p.add(prefix+"secret", "only used with format = %q; standard webhooks use signing_secret", FormatLegacy)
		}
		if w.Enrich {
			p.add(prefix+"enrich", "only used with format = %q; standard bodies always carry category, severity, scope and typed fields", FormatLegacy)
		}
	default:
		p.add(prefix+"format", "%q is not %q or %q", w.Format, FormatLegacy, FormatStandard)
	}
	if w.SigningSecret != "" {
		if err := checkSigningSecret(w.SigningSecret); err != nil {
			p.add(prefix+"signing_secret", "%v", err)
		}
	}
	if w.CAFile != "" && !filepath.IsAbs(w.CAFile) {
		p.add(prefix+"ca_file", "must be an absolute path, not %q", w.CAFile)
	}
	if w.Timeout <= 0 {
		p.add(prefix+"timeout", "must be positive")
	}
	if w.MaxInFlight < 1 || w.MaxInFlight > 64 {
		p.add(prefix+"max_in_flight", "%d is not between 1 and 64", w.MaxInFlight)
	}
	if w.MaxAttempts < 0 {
		p.add(prefix+"max_attempts", "must not be negative (0 retries until max_age)")
	}
	if w.MaxAge <= 0 {
		p.add(prefix+"max_age", "must be positive")
	}
	for i, e := range w.Events {
		if _, err := path.Match(e, ""); e == "" || err != nil {
			p.add(fmt.Sprintf("%sevents[%d]", prefix, i), "%q is not an event name or glob", e)
		}
	}
	w.validateFilter(prefix, p)
}

// validID accepts what IDFromURL and NewWebhookID make, and hand-picked
// ids of the same alphabet.
func validID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validName accepts labels that are safe on a command line and in a
// metric label: no spaces, no URL characters.
func validName(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i, r := range s {
		alnum := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		if !alnum && (i == 0 || (r != '.' && r != '-' && r != '_')) {
			return false
		}
	}
	return true
}

// checkURL accepts absolute http and https URLs with a host (IPv6 literals
// in brackets are fine). Its errors never include the URL, which may hold a
// password.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("not a URL: %v", err)
	}
	switch {
	case s == "":
		return errors.New("missing")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme must be http or https, not %q", u.Scheme)
	case u.Opaque != "" || u.Hostname() == "":
		return errors.New("missing host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not between 1 and 65535", port)
		}
	}
	return nil
}

// checkSigningSecret accepts "whsec_" followed by standard base64 of 24 to
// 64 bytes (the Standard Webhooks recommendation).
func checkSigningSecret(s string) error {
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return errors.New(`must start with "whsec_"`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return errors.New(`must be "whsec_" followed by base64`)
	}
	if len(key) < 24 || len(key) > 64 {
		return fmt.Errorf("key is %d bytes; want 24 to 64", len(key))
	}
	return nil
}

// Match reports whether the webhook gets the event: true if Events is
// empty, else if any entry matches eventName as a path.Match pattern
// (case-sensitive, so "VOLUME_*" matches "VOLUME_START").
func (w *Webhook) Match(eventName string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, pattern := range w.Events {
		if ok, _ := path.Match(pattern, eventName); ok {
			return true
		}
	}
	return false
}

// Redacted returns a copy of w whose non-empty Token, Secret and
// SigningSecret are "REDACTED" and whose URL has any password replaced (as
// url.URL.Redacted does), for showing, logging and exporting.
func (w *Webhook) Redacted() Webhook {
	out := *w
	out.Events = append([]string{}, w.Events...)
	out.URL = redactURL(w.URL)
	for _, s := range []*string{&out.Token, &out.Secret, &out.SigningSecret} {
		if *s != "" {
			*s = redacted
		}
	}
	return out
}

func redactURL(s string) string { return RedactURL(s) }

// RedactURL is a webhook URL as it may be shown anywhere (CLI output, logs,
// status, metrics): without user info or fragment, query values replaced
// by REDACTED, since tokens travel in either.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{redacted}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// String describes the webhook without its secrets, such as
// "https://example.com/hook (legacy, token, secret)".
func (w Webhook) String() string {
	desc := []string{w.Format}
	for _, s := range []struct{ name, v string }{
		{"token", w.Token}, {"secret", w.Secret}, {"signing_secret", w.SigningSecret},
	} {
		if s.v != "" {
			desc = append(desc, s.name)
		}
	}
	return redactURL(w.URL) + " (" + strings.Join(desc, ", ") + ")"
}

// GoString is String, so that %#v does not print secrets either.
func (w Webhook) GoString() string { return "config.Webhook{" + w.String() + "}" }

// LogValue implements slog.LogValuer: the URL (password redacted), format,
// filters and whether each secret is set, never the secrets.
func (w Webhook) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("url", redactURL(w.URL)),
		slog.String("format", w.Format),
		slog.Bool("token", w.Token != ""),
		slog.Bool("secret", w.Secret != ""),
		slog.Bool("signing_secret", w.SigningSecret != ""),
		slog.Any("events", w.Events),
	}
	if w.Filter != "" {
		attrs = append(attrs, slog.String("filter", w.Filter))
	}
	if w.Channel != "" {
		attrs = append(attrs, slog.String("channel", w.Channel))
	}
	return slog.GroupValue(attrs...)
}
