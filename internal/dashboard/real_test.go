package dashboard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/browsertest"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// dashURL is where a node's daemon serves the dashboard: the default
// [http] listen, on the node's own loopback.
const dashURL = "http://127.0.0.1:55556/"

// TestRealDaemon loads the dashboard from a REAL daemon next to a REAL
// glusterd in headless Chromium (run in the node's network namespace, as
// a browser on that node): the listener has a token, which the page asks
// for and signs in with; a created and started volume and its bricks
// appear green, the webhook's health and counters show, an event emitted
// with "gluster-eventing emit" appears as a row, a type filter hides what
// it does not match, and a brick killed with SIGKILL turns red (its volume
// degraded) within a second of the kill, and a daemon restart is
// reconnected and resumed by the page with each event listed once.
// Screenshots of the desktop and a phone-sized page are kept as artifacts.
func TestRealDaemon(t *testing.T) {
	glustertest.Require(t)
	browsertest.Chromium(t)
	bin := glustertest.BuildEventing(t, "../..")
	n := glustertest.StartNode(t, glustertest.Config{})
	hook := startHookReceiver(t, n, "127.0.0.1")

	dir := filepath.Join(n.Dir, "gluster-eventing")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(dir, "node.toml")
	writeFile(t, nodeCfg, fmt.Sprintf(`version = 1
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
cluster_config = %q
bus = "none"
peer_listen = ""

[http]
listen = "127.0.0.1:55556"
token_file = %q
`, filepath.Join(dir, "api.sock"), filepath.Join(dir, "state"), filepath.Join(dir, "daemon.pid"), filepath.Join(dir, "cluster.toml"), filepath.Join(dir, "token")))
	const token = "dashboard-test-token-0123456789"
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cluster.toml"), fmt.Sprintf("version = 1\n\n[[webhook]]\nname = \"alerts\"\nurl = %q\nformat = \"legacy\"\n", hook))
	env := []string{"GLUSTER_EVENTING_CONFIG=" + nodeCfg}
	d := n.Start("gluster-eventing", env, bin, "daemon")
	client := api.NewClient(filepath.Join(dir, "api.sock"))
	waitFor(t, 30*time.Second, "the daemon's HTTP listener", func() bool {
		if d.Exited() {
			t.Fatalf("daemon exited: %v", d.Err())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := client.Status(ctx)
		return err == nil && st.HTTP == "127.0.0.1:55556"
	})

	b := browsertest.Start(t, browsertest.Options{NetnsPID: n.HolderPID()})
	b.Navigate(dashURL)
	// The listener wants the token: the page asks for it, refuses a
	// wrong one, and signs in with the right one (the daemon's session
	// cookie then carries the API reads and the stream).
	b.WaitFor("the token form", `!document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'signed-out'`, 15*time.Second)
	b.Do("a wrong token", chromedp.SetValue(chromedp.CSS(`#token`), "not-the-token"), chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
	b.WaitFor("the refusal", `document.getElementById('login-error').textContent === 'The daemon did not accept this token.'`, 10*time.Second)
	b.Do("the token", chromedp.SetValue(chromedp.CSS(`#token`), token), chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
	b.WaitFor("the stream live and this node listed", jsLive+` && document.querySelectorAll('#peers li.peer.health-ok').length === 1`, 15*time.Second)
	b.WaitFor("the webhook", jsHealth("data-webhook", hookID(t, client))+` === 'ok'`, 10*time.Second)

	uuid := n.UUID()
	brickDir := n.BrickDir("dv")
	brick := func(i int) string { return fmt.Sprintf("%s/b%d", brickDir, i) }
	brickID := func(i int) string { return uuid + ":" + brick(i) }
	n.Gluster("volume", "create", "dv", "replica", "3", n.Name+":"+brick(1), n.Name+":"+brick(2), n.Name+":"+brick(3), "force")
	n.Gluster("volume", "start", "dv")
	b.WaitFor("the volume ok with its three bricks online",
		jsHealth("data-volume", "dv")+` === 'ok' && `+jsHealth("data-brick-id", brickID(1))+` === 'ok' && `+
			jsHealth("data-brick-id", brickID(2))+` === 'ok' && `+jsHealth("data-brick-id", brickID(3))+` === 'ok'`, 30*time.Second)
	b.WaitFor("this node named as its bricks name it", `document.querySelector('#peers li.peer .name').textContent === `+js(n.Name), 5*time.Second)
	b.WaitFor("glusterd's events listed", `[...document.querySelectorAll('#event-list li.ev')].some(e => e.dataset.event === 'VOLUME_START')`, 10*time.Second)
	b.WaitFor("the webhook's deliveries counted", `Number(document.querySelector('[data-webhook] [data-counter=delivered]').textContent) > 0`, 10*time.Second)

	// An event from the CLI: a row, newest first.
	n.MustRun(env, bin, "emit", "VOLUME_SET", "name=dv", "options=performance.readdir-ahead=off")
	b.WaitFor("the emitted event at the top", jsFirstName+` === 'VOLUME_SET' && document.querySelector('#event-list li.ev .ev-msg').textContent.includes('performance.readdir-ahead=off')`, 10*time.Second)

	// A filter: only brick events; a volume event emitted now is not listed.
	b.Do("filtering on BRICK_*", chromedp.SetValue(chromedp.CSS(`#filters input[name="type"]`), "BRICK_*"), chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)))
	b.WaitFor("only brick events listed", jsLive+` && `+jsRows+` >= 3 && [...document.querySelectorAll('#event-list li.ev')].every(e => e.dataset.event.startsWith('BRICK_'))`, 10*time.Second)
	n.MustRun(env, bin, "emit", "VOLUME_SET", "name=dv", "options=marker=1")
	before := browsertest.Eval[int](b, jsRows)

	// A brick crash: red within a second, its volume degraded, the
	// BRICK_DISCONNECTED listed.
	killed := time.Now() // the wait for the kill's reaping counts too
	n.KillBrick("dv", brick(2))
	b.WaitFor("the killed brick down and the volume degraded",
		jsHealth("data-brick-id", brickID(2))+` === 'down' && `+jsHealth("data-volume", "dv")+` === 'degraded'`, 10*time.Second)
	took := time.Since(killed)
	t.Logf("the dashboard showed the brick down %s after the kill", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the brick turned red %s after the kill, want within a second", took)
	}
	b.WaitFor("the BRICK_DISCONNECTED row", jsFirstName+` === 'BRICK_DISCONNECTED'`, 10*time.Second)
	if names := rowNames(b); len(names) <= before || strings.Contains(strings.Join(names, " "), "VOLUME_") {
		t.Errorf("filtered rows %q: want brick events only, more than the %d before the kill", names, before)
	}
	if got := browsertest.Eval[string](b, `document.querySelector('[data-brick-id="`+brickID(2)+`"] small').textContent`); got != "offline" {
		t.Errorf("the killed brick's label is %q, want offline", got)
	}
	b.Screenshot("real-brick-down")

	// A daemon restart: the page says it is disconnected, reconnects by
	// itself (the session cookie still good), resumes after the last
	// event it showed, and lists each event once.
	click(b, "#filters-clear")
	b.WaitFor("unfiltered and live, the volume event the filter hid listed", jsLive+` && location.search === '' && [...document.querySelectorAll('#event-list li.ev .ev-msg')].some(e => e.textContent.includes('marker=1'))`, 10*time.Second)
	if err := d.Stop(15 * time.Second); err != nil {
		t.Fatalf("stopping the daemon: %v", err)
	}
	b.WaitFor("the page disconnected", `document.getElementById('conn').dataset.state === 'retrying'`, 15*time.Second)
	d = n.Start("gluster-eventing", env, bin, "daemon")
	waitFor(t, 30*time.Second, "the restarted daemon", func() bool {
		if d.Exited() {
			t.Fatalf("daemon exited: %v", d.Err())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := client.Status(ctx)
		return err == nil
	})
	n.MustRun(env, bin, "emit", "VOLUME_SET", "name=dv", "options=after-restart=1")
	b.WaitFor("live again with the event sent after the restart", jsLive+` && document.querySelector('#event-list li.ev .ev-msg').textContent.includes('after-restart=1')`, 30*time.Second)
	keys := browsertest.Eval[[]string](b, `[...document.querySelectorAll('#event-list li.ev')].map(e => e.dataset.node + '/' + e.dataset.seq)`)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("event %s listed twice after the reconnect (rows %v)", k, keys)
		}
		seen[k] = true
	}
	if n := browsertest.Eval[string](b, `document.querySelector('#counters [data-counter="stream reconnects"]').textContent`); n == "0" {
		t.Error("the stream reconnects counter still says 0 after a daemon restart")
	}
	// A storm: Gluster repeats BRICK_DISCONNECTED; 5,000 of them keep
	// the page live, listing the newest 500, with the state fetched far
	// fewer times than there were events (coalesced, never per event).
	b.Do("counting the page's requests", chromedp.Evaluate[chromedp.Void](`performance.setResourceTimingBufferSize(100000); performance.clearResourceTimings()`))
	pc, err := n.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 55555}
	const storm = 5000
	for range storm {
		dgram := fmt.Appendf(nil, "%d %d peer=%s;volume=dv;brick=%s", time.Now().Unix(), int(gfevent.BrickDisconnected), n.Name, brick(2))
		if _, err := pc.WriteTo(dgram, to); err != nil {
			t.Fatal(err)
		}
	}
	var last uint64
	waitFor(t, 30*time.Second, "the storm journaled", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := client.Status(ctx)
		if err != nil {
			return false
		}
		last = st.Journal.LastSeq
		return st.Intake.Journaled >= storm
	})
	b.WaitFor("the newest event at the top, 500 rows", fmt.Sprintf(`%s && %s && document.querySelector('#event-list li.ev').dataset.seq === %s`, jsLive, jsRowsAre(MaxEvents), js(fmt.Sprint(last))), 30*time.Second)
	fetches := browsertest.Eval[int](b, `performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/v1/state').length`)
	t.Logf("%d events in a storm, %d v1/state fetches", storm, fetches)
	if fetches < 1 || fetches > storm/20 {
		t.Errorf("%d v1/state fetches for a storm of %d state events, want at least 1 and at most %d", fetches, storm, storm/20)
	}
	b.Viewport(390, 844, true)
	b.WaitFor("the phone layout", `document.documentElement.scrollWidth <= window.innerWidth`, 5*time.Second)
	b.Screenshot("real-phone")
	noProblems(t, b)
}

// hookID is the id of the daemon's only webhook.
func hookID(t *testing.T, c *api.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil || len(st.Webhooks) != 1 {
		t.Fatalf("status: %v, webhooks %+v", err, st)
	}
	return st.Webhooks[0].ID
}

// startHookReceiver serves a webhook receiver on host in the node (the
// test's socket in its network namespace) that answers 200 to everything,
// and returns its URL.
func startHookReceiver(t *testing.T, n *glustertest.Node, host string) string {
	t.Helper()
	ln, err := n.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().(*net.TCPAddr).String() + "/hook"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
