package daemon

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/webhooks"
)

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// The API's webhook wire type is a copy of webhooks.Health, so that the
// contract imports nothing of the daemon. A field added to Health and not
// to api.Webhook (and to webhookHealth) would silently never reach the CLI.
func TestWebhookWireTypeCarriesHealth(t *testing.T) {
	wire := jsonFields(reflect.TypeFor[api.Webhook]())
	for name := range jsonFields(reflect.TypeFor[webhooks.Health]()) {
		if !wire[name] {
			t.Errorf("webhooks.Health has %q, api.Webhook does not: add it there and in webhookHealth", name)
		}
	}
	// Every field is copied: a Health with every field set converts to a
	// Webhook with every field set.
	var h webhooks.Health
	hv := reflect.ValueOf(&h).Elem()
	unfilled := map[string]bool{}
	for i := range hv.NumField() {
		if !setNonZero(hv.Field(i)) {
			unfilled[hv.Type().Field(i).Name] = true
		}
	}
	w := webhookHealth([]webhooks.Health{h})[0]
	wv := reflect.ValueOf(w)
	for i := range wv.NumField() {
		if f := wv.Type().Field(i); wv.Field(i).IsZero() {
			if _, inHealth := reflect.TypeFor[webhooks.Health]().FieldByName(f.Name); inHealth && !unfilled[f.Name] {
				t.Errorf("webhookHealth does not copy %s", f.Name)
			}
		}
	}
}

// setNonZero sets v to some non-zero value and reports whether it knew
// how.
func setNonZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint64, reflect.Uint:
		v.SetUint(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct: // time.Time
		m := v.Addr().MethodByName("UnmarshalText")
		if !m.IsValid() {
			return false
		}
		m.Call([]reflect.Value{reflect.ValueOf([]byte("2026-01-02T03:04:05Z"))})
	default:
		return false
	}
	return true
}
