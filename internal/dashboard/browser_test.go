package dashboard

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/browsertest"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Page probes, as JavaScript expressions.
const (
	jsLive      = `document.getElementById('conn').dataset.state === 'live'`
	jsRows      = `document.querySelectorAll('#event-list li.ev').length`
	jsFirstName = `(document.querySelector('#event-list li.ev') || {dataset: {}}).dataset.event`
)

func jsHealth(attr, id string) string {
	return fmt.Sprintf(`(document.querySelector('[%s=' + CSS.escape(%s) + ']') || {dataset: {}}).dataset.health`, attr, js(id))
}

func jsRowsAre(n int) string { return fmt.Sprintf("%s === %d", jsRows, n) }

// rowNames are the event names of the list's rows, newest first.
func rowNames(b browsertest.Page) []string {
	return browsertest.Eval[[]string](b, `[...document.querySelectorAll('#event-list li.ev')].map(e => e.dataset.event)`)
}

func noProblems(t *testing.T, b browsertest.Page) {
	t.Helper()
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page had %d problems:\n%s", len(p), strings.Join(p, "\n"))
	}
}

// TestBrowserFakeAPI runs the dashboard in headless Chromium against a
// fake of the daemon's API (fakeScenario), and then checks that the page
// fits a phone's screen.
func TestBrowserFakeAPI(t *testing.T) {
	f := newFakeAPI(t)
	b := browsertest.Start(t, browsertest.Options{})
	fakeScenario(t, b, f)

	// No polling: an idle page asks for nothing. (An observation window,
	// not a wait for a condition: what is checked is that nothing
	// happens in it.)
	// First let the refreshes the last events caused finish: the counts
	// unchanged over half a second.
	settled := time.Now().Add(15 * time.Second)
	for {
		a, c := f.stateRequests(), f.statusRequests()
		time.Sleep(500 * time.Millisecond)
		if f.stateRequests() == a && f.statusRequests() == c {
			break
		}
		if time.Now().After(settled) {
			t.Fatal("the page kept asking for v1/state or v1/status with no event arriving")
		}
	}
	states, statuses := f.stateRequests(), f.statusRequests()
	time.Sleep(2 * time.Second)
	if n, m := f.stateRequests()-states, f.statusRequests()-statuses; n != 0 || m != 0 {
		t.Errorf("an idle page made %d v1/state and %d v1/status requests in 2 s, want none", n, m)
	}

	// A phone: one column, nothing wider than the screen.
	b.Viewport(390, 844, true)
	b.WaitFor("the phone layout", `document.documentElement.scrollWidth <= window.innerWidth && getComputedStyle(document.querySelector('main')).gridTemplateColumns.split(' ').length === 1`, 5*time.Second)
	b.Screenshot("phone")
	noProblems(t, b)
}

// fakeScenario is what TestBrowserFakeAPI and TestFirefoxFakeAPI check,
// in either browser: the tables and the list follow the stream, a brick
// that goes down turns red with no reload (and the title says so), an API
// error shows with its hint, filters reconnect the stream with the
// filter's query while the tables keep following every event, a bad
// filter shows the daemon's error, a dropped stream resumes from its last
// id with no gap and no duplicate, a 410 shows a notice and a gap marker
// and goes on from the current state, the list keeps MaxEvents rows, and
// a new page starts with the recent events.
func fakeScenario(t *testing.T, b browsertest.Page, f *fakeAPI) {
	b.Navigate(f.URL())
	b.WaitFor("the stream live", jsLive, 115*time.Second)
	b2 := "7d00aa12-0000-4000-8000-000000000002:/bricks/gv0/b2"
	b.WaitFor("peers, volume and bricks shown",
		`document.querySelectorAll('#peers li.peer').length === 2 && `+jsHealth("data-volume", "gv0")+` === 'ok' && `+jsHealth("data-brick-id", b2)+` === 'ok'`, 15*time.Second)
	b.WaitFor("the webhook's health and counters", jsHealth("data-webhook", "wh1")+` === 'ok' && document.querySelector('[data-webhook=wh1] [data-counter=delivered]').textContent === '3'`, 15*time.Second)
	if got := browsertest.Eval[[]string](b, `[...document.querySelectorAll('#peers li.peer .name')].map(e => e.textContent)`); strings.Join(got, " ") != "node1 node2" {
		t.Errorf("peers shown as %q, want node1 (glusterd's localhost, named by its bricks) and node2 (probed by address, named by its bricks)", got)
	}
	if got := browsertest.Eval[[]string](b, `[...document.querySelectorAll('#nodes option')].map(o => o.label + '=' + o.value)`); strings.Join(got, " ") !=
		"node1="+f.node+" node2=7d00aa12-0000-4000-8000-000000000002" {
		t.Errorf("the node filter offers %q, want the peers by name", got)
	}
	b.WaitFor("the notifier's health", jsHealth("data-notifier", "nt1")+` === 'degraded' && !document.getElementById('notifiers-h').hidden && `+
		`document.querySelector('[data-notifier=nt1] .detail').textContent === 'last status 1 · no route to the pager · next attempt in 10 min'`, 15*time.Second)

	f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": "performance.cache-size=256MB"}, nil)
	b.WaitFor("the first event row", jsRowsAre(1)+` && `+jsFirstName+` === 'VOLUME_SET'`, 15*time.Second)
	if got := browsertest.Eval[string](b, `document.querySelector('#event-list li.ev .ev-node').textContent`); got != "node1" {
		t.Errorf("event's node shown as %q, want node1", got)
	}

	// A brick goes down: the event's row and the brick's colour, with
	// no reload.
	gets := f.stateRequests()
	f.emit("BRICK_DISCONNECTED", map[string]string{"peer": "node2", "volume": "gv0", "brick": "/bricks/gv0/b2"}, func(s *api.State) {
		s.Bricks[1].Online = false
		s.Volumes[0].Health, s.Volumes[0].OnlineBrickCount = "degraded", 1
	})
	took := b.WaitFor("the brick down and the volume degraded", jsHealth("data-brick-id", b2)+` === 'down' && `+jsHealth("data-volume", "gv0")+` === 'degraded'`, 15*time.Second)
	// The bound that matters, a second from the crash, is checked on
	// real glusterd (TestRealDaemon, TestClusterBrickDown); here the
	// browser's own polling under load is part of the measure.
	t.Logf("brick shown down %s after the event", took.Round(time.Millisecond))
	if got := browsertest.Eval[string](b, `getComputedStyle(document.querySelector('[data-brick-id="`+b2+`"] .dot')).backgroundColor`); got != "rgb(207, 34, 46)" {
		t.Errorf("a down brick's dot is %s, want the down colour rgb(207, 34, 46)", got)
	}
	b.WaitFor("the BRICK_DISCONNECTED row first of 2", jsRowsAre(2)+` && `+jsFirstName+` === 'BRICK_DISCONNECTED'`, 15*time.Second)
	if n := f.stateRequests() - gets; n != 1 {
		t.Errorf("%d v1/state requests for one state event, want 1", n)
	}
	if got := browsertest.Eval[string](b, `document.title`); got != "⚠ 1 volume degraded, 1 brick down — Gluster eventing · node1" {
		t.Errorf("title %q, want what is wrong first", got)
	}
	b.Screenshot("desktop-brick-down")

	// Node-to-node forwarding: each peer's row says whether its events
	// reach this node.
	fwd := `(document.querySelector('[data-peer="7d00aa12-0000-4000-8000-000000000002"] .fwd') || {textContent: ''}).textContent`
	b.WaitFor("node2's events forwarded", fwd+` === 'events: forwarded'`, 15*time.Second)
	f.setForwarding(false, "dial tcp 10.0.0.2:55557: connect: connection refused")
	f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": "a=a"}, nil)
	b.WaitFor("node2's events not reaching", fwd+` === 'events not reaching this node: dial tcp 10.0.0.2:55557: connect: connection refused'`, 15*time.Second)
	f.setForwarding(true, "")

	// An API error shows with the daemon's hint, and goes when it does.
	f.failStatus("the status broke")
	f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": "a=b"}, nil)
	b.WaitFor("the API error", `!document.getElementById('api-error').hidden && document.getElementById('api-error').textContent === 'Cannot read the daemon status: the status broke — hint: look at the daemon\'s log'`, 15*time.Second)
	f.failStatus("")
	f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": "a=c"}, nil)
	b.WaitFor("the API error gone", `document.getElementById('api-error').hidden`, 15*time.Second)

	// A filter: the list stream asks for it, the list starts over and
	// shows only matching events, while an unfiltered stream keeps the
	// tables current.
	before := len(f.streamRequests())
	setFilter(b, "type", "VOLUME_*")
	b.WaitFor("the list started over with the matching recent events", jsRowsAre(4)+` && `+jsFirstName+` === 'VOLUME_SET' && `+jsLive, 15*time.Second)
	if loc := browsertest.Eval[string](b, `location.search`); loc != "?type=VOLUME_*" && loc != "?type=VOLUME_%2A" {
		t.Errorf("location.search = %q, want the filter", loc)
	}
	waitFor(t, 15*time.Second, "a filtered and an unfiltered stream", func() bool {
		var filtered, plain bool
		for _, r := range f.streamRequests()[before:] {
			q, _ := url.ParseQuery(r.Query)
			filtered = filtered || q.Get("type") == "VOLUME_*"
			plain = plain || r.Query == ""
		}
		return filtered && plain && f.openStreams() == 2
	})
	f.emit("BRICK_CONNECTED", map[string]string{"peer": "node2", "volume": "gv0", "brick": "/bricks/gv0/b2"}, func(s *api.State) {
		s.Bricks[1].Online = true
		s.Volumes[0].Health, s.Volumes[0].OnlineBrickCount = "ok", 2
	})
	f.emit("VOLUME_STOP", map[string]string{"name": "gv0", "force": "0"}, nil)
	b.WaitFor("only the volume events listed, the brick back up", jsRowsAre(5)+` && `+jsFirstName+` === 'VOLUME_STOP' && `+jsHealth("data-brick-id", b2)+` === 'ok'`, 15*time.Second)

	// A filter the daemon refuses: its error and hint, no retrying.
	setFilter(b, "type", "nonsense")
	b.WaitFor("the filter's error", `!document.getElementById('filter-error').hidden && document.getElementById('filter-error').textContent.includes('unknown event name nonsense — hint: names look like')`, 15*time.Second)
	if got := browsertest.Eval[string](b, `document.getElementById('conn').dataset.state`); got != "failed" {
		t.Errorf("connection state %q after a refused filter, want failed", got)
	}
	click(b, "#filters-clear")
	b.WaitFor("unfiltered and live", jsLive+` && location.search === '' && document.getElementById('filter-error').hidden`, 15*time.Second)
	waitFor(t, 15*time.Second, "one stream", func() bool { return f.openStreams() == 1 })

	// A dropped stream resumes from the last id it got: the events sent
	// meanwhile arrive once each.
	f.emit("PEER_CONNECT", map[string]string{"host": "node2"}, nil)
	b.WaitFor("the event before the cut", jsRowsAre(8)+` && `+jsFirstName+` === 'PEER_CONNECT'`, 15*time.Second)
	last := browsertest.Eval[string](b, `document.querySelector('#event-list li.ev').dataset.cursor`)
	before = len(f.streamRequests())
	f.dropStreams()
	for i := range 3 {
		f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": fmt.Sprintf("opt%d=1", i)}, nil)
	}
	b.WaitFor("the events sent while cut off", jsRowsAre(11)+` && `+jsLive, 15*time.Second)
	if reqs := f.streamRequests()[before:]; len(reqs) == 0 || reqs[0].LastEventID != last {
		t.Errorf("reconnect requests %+v, want the first with Last-Event-ID %s", reqs, last)
	}
	seqs := browsertest.Eval[[]string](b, `[...document.querySelectorAll('#event-list li.ev')].map(e => e.dataset.seq)`)
	if strings.Join(seqs, ",") != "11,10,9,8,7,6,5,4,3,2,1" {
		t.Errorf("rows have seqs %v, want 11 to 1 (no gap, no duplicate)", seqs)
	}

	// 410: the page was away longer than the retention.
	f.refuse(true)
	f.dropStreams()
	b.WaitFor("the page disconnected", `document.getElementById('conn').dataset.state === 'retrying'`, 15*time.Second)
	for range 3 {
		f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": "x=1"}, nil)
	}
	f.trim(14) // 1..13 are gone; the page has 11
	before = len(f.streamRequests())
	f.refuse(false)
	b.WaitFor("the notice of missed events", `!document.getElementById('notice').hidden && document.getElementById('notice-text').textContent.includes('Events were missed')`, 15*time.Second)
	b.WaitFor("live again", jsLive, 15*time.Second)
	reqs := f.streamRequests()[before:]
	if len(reqs) < 2 || reqs[len(reqs)-1].LastEventID != f.cursor(14) {
		t.Errorf("requests after the 410 %+v, want the last from the state's cursor %s", reqs, f.cursor(14))
	}
	b.WaitFor("a gap marker in the list", `document.querySelectorAll('#event-list li.gap').length === 1`, 15*time.Second)
	b.Screenshot("notice-after-410")
	click(b, "#notice-close")
	b.WaitFor("the notice gone", `document.getElementById('notice').hidden`, 15*time.Second)

	// The list keeps the newest MaxEvents rows.
	for i := range MaxEvents + 20 {
		f.emit("VOLUME_SET", map[string]string{"name": "gv0", "options": fmt.Sprintf("n=%d", i)}, nil)
	}
	newest := fmt.Sprint(14 + MaxEvents + 20)
	b.WaitFor("the list capped", fmt.Sprintf(`%s && document.querySelector('#event-list li.ev').dataset.seq === %s`, jsRowsAre(MaxEvents), js(newest)), 115*time.Second)

	// A new page shows the recent events, the last 100 of each node.
	b.Navigate(f.URL())
	b.WaitFor("the recent events", jsLive+` && `+jsRowsAre(100)+fmt.Sprintf(` && document.querySelector('#event-list li.ev').dataset.seq === %s`, js(newest)), 15*time.Second)

}

// TestBrowserLogin: an API that answers 401 gets the token form; a wrong
// token is refused with a message, the right one signs in (the daemon's
// cookie) and the page goes live; signing out ends the session.
func TestBrowserLogin(t *testing.T) {
	f := newFakeAPI(t)
	f.mu.Lock()
	f.token = "s3cret"
	f.mu.Unlock()
	b := browsertest.Start(t, browsertest.Options{})
	b.Navigate(f.URL())
	b.WaitFor("the token form", `!document.getElementById('login').hidden && document.getElementById('main').hidden && document.getElementById('conn').dataset.state === 'signed-out'`, 15*time.Second)
	b.Screenshot("login")
	b.Do("a wrong token", chromedp.SetValue(chromedp.CSS(`#token`), "nope"), chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
	b.WaitFor("the refusal", `document.getElementById('login-error').textContent === 'The daemon did not accept this token.'`, 15*time.Second)
	b.Do("the right token", chromedp.SetValue(chromedp.CSS(`#token`), "s3cret"), chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
	b.WaitFor("signed in and live", `document.getElementById('login').hidden && !document.getElementById('main').hidden && `+jsLive, 15*time.Second)
	f.emit("VOLUME_START", map[string]string{"name": "gv0", "force": "0"}, nil)
	b.WaitFor("an event", jsRowsAre(1), 15*time.Second)
	if got := browsertest.Eval[string](b, `document.getElementById('token').value`); got != "" {
		t.Errorf("the token stays in the form: %q", got)
	}
	// Signing out ends the session: the form again, no stream open, and a
	// reload does not get past the form.
	b.Do("signing out", chromedp.Click(chromedp.CSS(`#logout`)))
	b.WaitFor("the token form again", `!document.getElementById('login').hidden && document.getElementById('logout').hidden`, 15*time.Second)
	waitFor(t, 15*time.Second, "the streams closed", func() bool { return f.openStreams() == 0 })
	b.Navigate(f.URL())
	b.WaitFor("the token form after a reload", `!document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'signed-out'`, 15*time.Second)
	noProblems(t, b)
}

// setFilter types value into the filter form's field and submits it, as
// the Apply button does.
func setFilter(b browsertest.Page, field, value string) {
	browsertest.Eval[bool](b, fmt.Sprintf(`(() => { const f = document.getElementById('filters'); f.elements[%s].value = %s; f.querySelector('button[type=submit]').click(); return true; })()`, js(field), js(value)))
}

// click clicks the element sel selects.
func click(b browsertest.Page, sel string) {
	browsertest.Eval[bool](b, fmt.Sprintf(`(() => { document.querySelector(%s).click(); return true; })()`, js(sel)))
}

// TestFirefoxFakeAPI is fakeScenario in headless Firefox: the page uses
// standard APIs only, and works there too.
func TestFirefoxFakeAPI(t *testing.T) {
	f := newFakeAPI(t)
	p := browsertest.StartFirefox(t, browsertest.Options{})
	fakeScenario(t, p, f)
	p.Screenshot("firefox")
	noProblems(t, p)
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, timeout, what, cond)
}
