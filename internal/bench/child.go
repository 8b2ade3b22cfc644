package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// childEnv carries the JSON spec to a re-executed child; its presence is
// what makes the program (or the test binary) act as the child.
const childEnv = "GE_BENCH_CHILD"

// spec is one scenario run for one daemon, executed entirely inside one
// child process in a private network and mount namespace: the webhook
// receivers, the sender and the daemon all live there.
type spec struct {
	Scenario    string        `json:"scenario"` // ceiling, burst, sustained, latency, fanout, backlog, dbus
	Daemon      string        `json:"daemon"`   // ours or stock; empty for ceiling
	Bin         string        `json:"bin"`      // the gluster-eventing binary
	N           int           `json:"n"`        // datagrams (burst, backlog)
	Rate        int           `json:"rate"`     // events/s (sustained, latency, fanout)
	Duration    time.Duration `json:"duration"` // paced sending, or each ceiling measurement
	Webhooks    int           `json:"webhooks"`
	MaxInFlight int           `json:"max_in_flight"` // ours only
	Bus         bool          `json:"bus"`           // ours only: export on a private bus with a listener
	Filter      bool          `json:"filter"`        // ours only: each webhook filtered to its share (filter scenario)
	Clients     int           `json:"clients"`       // streams: SSE clients
	Quiet       time.Duration `json:"quiet"`         // delivery stopped: quiet this long (0: never)
	Deadline    time.Duration `json:"deadline"`      // after the last send
	Ceiling     float64       `json:"ceiling"`       // receiver ceiling to compare throughput with
	Verbose     bool          `json:"verbose"`
	ParentNetNS string        `json:"parent_netns"` // the child refuses to run in it
}

type metric struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit,omitempty"`
	Value float64 `json:"value"`
}

// result is what a child prints as JSON on stdout.
type result struct {
	Metrics []metric       `json:"metrics"`
	Extra   map[string]any `json:"extra,omitempty"`
	Error   string         `json:"error,omitempty"`
}

func (r *result) add(name, unit string, v float64) {
	r.Metrics = append(r.Metrics, metric{name, unit, v})
}

func (r *result) get(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

var verbose bool

func logf(format string, args ...any) {
	if verbose {
		fmt.Fprintf(os.Stderr, "bench child: "+format+"\n", args...)
	}
}

func childMain(specJSON string) int {
	var sp spec
	res := &result{Extra: map[string]any{}}
	if err := json.Unmarshal([]byte(specJSON), &sp); err != nil {
		res.Error = "bad spec: " + err.Error()
	} else {
		verbose = sp.Verbose
		if err := runChild(sp, res); err != nil {
			res.Error = err.Error()
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

func since(base time.Time) int64 { return int64(time.Since(base)) }

func runChild(sp spec, res *result) error {
	sb, err := enterSandbox(sp.ParentNetNS)
	if err != nil {
		return err
	}
	defer sb.close()
	base := time.Now()
	if sp.Scenario == "ceiling" {
		return runCeiling(sp, base, res)
	}
	if sp.Scenario == "filter" {
		return runFilter(sb, sp, base, res)
	}
	if sp.Scenario == "streams" {
		return runStreams(sb, sp, base, res)
	}

	nHooks := max(1, sp.Webhooks)
	total := sp.N
	if sp.Rate > 0 {
		total = int(float64(sp.Rate) * sp.Duration.Seconds())
	}
	recvs := make([]*receiver, nHooks)
	for k := range recvs {
		recvs[k] = newReceiver(base, total)
		defer recvs[k].close()
	}
	listenAll := func() error {
		for k, r := range recvs {
			if err := r.listen(fmt.Sprintf("127.0.0.1:%d", hookPort+k)); err != nil {
				return err
			}
		}
		return nil
	}
	backlog := sp.Scenario == "backlog"
	if !backlog {
		if err := listenAll(); err != nil {
			return err
		}
	}

	urls := hookURLs(nHooks)
	var d *daemonProc
	switch sp.Daemon {
	case "ours":
		var bus *privateBus
		if sp.Bus {
			if bus, err = startBus(sb); err != nil {
				return err
			}
			defer bus.stop()
			defer func() { res.add("D-Bus Event signals received", "", float64(bus.events.Load())) }()
		}
		d, err = startOurs(sb, sp.Bin, urls, max(1, sp.MaxInFlight), bus, nil)
	case "stock":
		d, err = startStock(sb, urls)
	default:
		err = fmt.Errorf("unknown daemon %q", sp.Daemon)
	}
	if err != nil {
		return err
	}
	defer d.stop()
	acceptedCount := func() int64 {
		if sp.Daemon == "ours" {
			return oursAccepted(sb.path("run/api.sock"))
		}
		return stockAccepted(sb.path("log/events.log"))
	}

	snd, err := newSender(fmt.Sprintf("127.0.0.1:%d", eventPort), base)
	if err != nil {
		return err
	}
	defer snd.close()
	logf("%s started, pid %d", d.name, d.pid())
	if err := waitReady(d, snd, recvs, !backlog); err != nil {
		return err
	}
	logf("%s ready after %.2fs", d.name, secs(since(base)))
	mon := newProcMon(d.pid())
	time.Sleep(time.Second)
	acc0 := acceptedCount()
	commits := func() int64 {
		if sp.Daemon == "ours" {
			return oursStatus(sb.path("run/api.sock")).commits
		}
		return -1
	}
	commits0 := commits()
	idle := mon.rssKB()
	cpu0 := mon.cpuSeconds()
	mon.start(50 * time.Millisecond)

	var sentAt []int64
	var t0, sendEnd int64
	timedOut := false
	r := recvs[0]
	switch sp.Scenario {
	case "burst":
		t0 = since(base)
		snd.burst(sp.N, nil)
		sendEnd = since(base)
		timedOut = waitDelivery(base, recvs, total, sendEnd, sp.Quiet, sp.Deadline, d)
	case "sustained", "latency", "fanout", "dbus":
		sentAt = make([]int64, total)
		t0 = since(base)
		snd.paced(total, sp.Rate, sentAt)
		sendEnd = since(base)
		timedOut = waitDelivery(base, recvs, total, sendEnd, sp.Quiet, sp.Deadline, d)
	case "backlog":
		rss := map[int]int64{}
		marks := map[int]func(){}
		for _, pct := range []int{10, 50} {
			marks[sp.N*pct/100] = func() { rss[pct] = mon.rssKB() }
		}
		t0 = since(base)
		snd.burst(sp.N, marks)
		sendEnd = since(base)
		rss[100] = mon.rssKB()
		time.Sleep(2 * time.Second)
		rss[102] = mon.rssKB()
		res.add("RSS idle", "MiB", mib(idle))
		res.add("RSS at 10% sent", "MiB", mib(rss[10]))
		res.add("RSS at 50% sent", "MiB", mib(rss[50]))
		res.add("RSS at 100% sent", "MiB", mib(rss[100]))
		res.add("RSS 2 s after", "MiB", mib(rss[102]))
		if err := listenAll(); err != nil {
			return err
		}
		recvStart := since(base)
		timedOut = waitDelivery(base, recvs, total, since(base), 0, sp.Deadline, d)
		res.add("sent", "", float64(sp.N))
		res.add("send time", "ms", secs(sendEnd-t0)*1000)
		if a := acceptedCount(); a >= 0 && acc0 >= 0 {
			res.add("accepted by the daemon", "", float64(a-acc0))
			res.add("dropped at intake", "", float64(int64(sp.N)-(a-acc0)))
		}
		delivered := r.unique.Load()
		res.add("delivered", "", float64(delivered))
		res.add("duplicated", "", float64(r.dups.Load()))
		if first := r.firstReceipt(); first >= 0 {
			res.add("first delivery after receiver start", "s", secs(first-recvStart))
			if last := r.last.Load(); last > first {
				res.add("drain rate", "ev/s", float64(delivered-1)/secs(last-first))
			}
			if !timedOut {
				res.add("time to drain", "s", secs(r.last.Load()-recvStart))
			}
		}
		res.add("deadline hit", "", b2f(timedOut))
	default:
		return fmt.Errorf("unknown scenario %q", sp.Scenario)
	}
	logf("scenario done at %.2fs (deadline hit: %v)", secs(since(base)), timedOut)
	peak := mon.stop()
	cpu := mon.cpuSeconds() - cpu0
	if !d.alive() {
		return fmt.Errorf("%s exited during the run: %s", d.name, d.logTail())
	}
	acc1 := acceptedCount()

	if sp.Scenario != "backlog" {
		delivered := int64(0)
		lostPer := make([]int64, len(recvs))
		for k, rr := range recvs {
			u := rr.unique.Load()
			delivered += u
			lostPer[k] = int64(total) - u
		}
		sent := int64(total * len(recvs))
		last := int64(0)
		for _, rr := range recvs {
			last = max(last, rr.last.Load())
		}
		if len(recvs) > 1 {
			res.add("webhooks", "", float64(len(recvs)))
		}
		res.add("sent", "", float64(total))
		sendSecs := secs(sendEnd - t0)
		if sp.Scenario == "burst" {
			res.add("send time", "ms", sendSecs*1000)
		} else {
			res.add("offered rate", "ev/s", float64(sp.Rate))
			res.add("achieved send rate", "ev/s", float64(total)/sendSecs)
		}
		if acc0 >= 0 && acc1 >= 0 {
			res.add("accepted by the daemon", "", float64(acc1-acc0))
		}
		if len(recvs) > 1 {
			res.add("deliveries expected", "", float64(sent))
		}
		res.add("delivered", "", float64(delivered))
		res.add("not delivered by the end", "", float64(sent-delivered))
		if acc0 >= 0 && acc1 >= 0 {
			res.add("dropped at intake (lost)", "", float64(int64(total)-(acc1-acc0)))
			res.add("accepted, still queued at the end", "", float64((acc1-acc0)*int64(len(recvs))-delivered))
		}
		dups := int64(0)
		for _, rr := range recvs {
			dups += rr.dups.Load()
		}
		res.add("duplicated", "", float64(dups))
		if len(recvs) > 1 {
			res.add("lost, worst webhook", "", float64(slices.Max(lostPer)))
			res.add("lost, best webhook", "", float64(slices.Min(lostPer)))
			res.Extra["lost_per_webhook"] = lostPer
		}
		switch sp.Scenario {
		case "burst":
			if delivered > 0 {
				res.add("time to last delivery", "s", secs(last-t0))
				res.add("delivery rate", "ev/s", float64(delivered)/secs(last-t0))
			}
		case "sustained":
			skip := min(2*time.Second, sp.Duration/5)
			from, to := t0+int64(skip), sendEnd
			thr := float64(r.between(from, to)) / secs(to-from)
			res.add("delivery throughput", "ev/s", thr)
			if sp.Ceiling > 0 {
				res.add("throughput, % of ceiling", "%", thr/sp.Ceiling*100)
			}
			if last > sendEnd {
				res.add("delivering after the last send", "s", secs(last-sendEnd))
				// With the intake idle, this is the delivery capacity alone.
				if after := r.between(sendEnd, last+1); after > 100 {
					res.add("throughput after the last send", "ev/s", float64(after)/secs(last-sendEnd))
				}
			}
		case "latency", "fanout", "dbus":
			var lat []int64
			for _, rr := range recvs {
				for i := range total {
					if at := rr.receivedAt(i); at >= 0 {
						lat = append(lat, at-sentAt[i])
					}
				}
			}
			if len(lat) > 0 {
				slices.Sort(lat)
				res.add("latency p50", "ms", float64(percentile(lat, 50))/1e6)
				res.add("latency p99", "ms", float64(percentile(lat, 99))/1e6)
				res.add("latency max", "ms", float64(lat[len(lat)-1])/1e6)
			}
		}
		res.add("deadline hit", "", b2f(timedOut))
		res.add("RSS idle", "MiB", mib(idle))
	}
	if c0, c1 := commits0, commits(); c0 >= 0 && c1 >= 0 {
		res.add("journal commits", "", float64(c1-c0))
	}
	res.add("RSS peak", "MiB", mib(peak))
	res.add("RSS peak, anonymous (no file pages)", "MiB", mib(mon.anonPeakKB()))
	res.add("VmHWM", "MiB", mib(mon.hwmKB()))
	res.add("CPU time", "s", cpu)
	delivered := int64(0)
	for _, rr := range recvs {
		delivered += rr.unique.Load()
	}
	if delivered > 0 {
		res.add("CPU per 1000 deliveries", "ms", cpu/float64(delivered)*1e6)
	}
	if snd.errs > 0 {
		res.Extra["send_errors"] = snd.errs
	}
	return nil
}

func percentile(sorted []int64, p int) int64 {
	return sorted[(len(sorted)-1)*p/100]
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }
func mib(kb int64) float64  { return float64(kb) / 1024 }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// waitReady waits until the daemon has its UDP port bound and, if
// viaWebhook, until a warm-up event has made it to every receiver, and
// then until the warm-ups stop arriving.
func waitReady(d *daemonProc, snd *sender, recvs []*receiver, viaWebhook bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for !udpPortBound(eventPort) {
		if !d.alive() {
			return fmt.Errorf("%s exited at start: %s", d.name, d.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not bind UDP %d in 30 s: %s", d.name, eventPort, d.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !viaWebhook {
		time.Sleep(500 * time.Millisecond)
		return nil
	}
	warm := func() int64 {
		var n int64
		for _, r := range recvs {
			n += r.warm.Load()
		}
		return n
	}
	everywhere := func() bool {
		for _, r := range recvs {
			if r.warm.Load() == 0 {
				return false
			}
		}
		return true
	}
	for i := 0; !everywhere(); i++ {
		if !d.alive() {
			return fmt.Errorf("%s exited at start: %s", d.name, d.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no warm-up event reached the webhooks in 30 s: %s", d.logTail())
		}
		snd.send('w', i)
		time.Sleep(100 * time.Millisecond)
	}
	for prev := int64(-1); warm() != prev; {
		prev = warm()
		time.Sleep(500 * time.Millisecond)
	}
	return nil
}

// waitDelivery waits until every receiver has all n markers, or delivery has
// been quiet for quiet (counted from the last send at the earliest), or
// deadline has passed since the last send (then it returns true), or the
// daemon died.
func waitDelivery(base time.Time, recvs []*receiver, n int, sendEnd int64, quiet, deadline time.Duration, d *daemonProc) bool {
	for {
		all := true
		last := sendEnd
		for _, r := range recvs {
			if r.unique.Load() < int64(n) {
				all = false
			}
			last = max(last, r.last.Load())
		}
		now := since(base)
		switch {
		case all, !d.alive():
			return false
		case quiet > 0 && now-last >= int64(quiet):
			return false
		case now-sendEnd >= int64(deadline):
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// oursAccepted asks gluster-eventing's API how many events its intake
// accepted; -1 if it cannot.
func oursAccepted(sock string) int64 { return oursStatus(sock).accepted }

// daemonCounters are the counters the benchmark reads from our daemon's
// status; -1 where the status could not be read.
type daemonCounters struct{ accepted, commits int64 }

func oursStatus(sock string) daemonCounters {
	c := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}},
	}
	defer c.CloseIdleConnections()
	bad := daemonCounters{-1, -1}
	resp, err := c.Get("http://gluster-eventing/v1/status")
	if err != nil {
		return bad
	}
	defer resp.Body.Close()
	var st struct {
		Intake struct {
			Accepted *int64 `json:"accepted"`
		} `json:"intake"`
		Journal struct {
			Commits *int64 `json:"commits"`
		} `json:"journal"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil || st.Intake.Accepted == nil || st.Journal.Commits == nil {
		return bad
	}
	return daemonCounters{*st.Intake.Accepted, *st.Journal.Commits}
}

// stockAccepted counts the measured events (markers "v<i>") glustereventsd
// logged to events.log, which it does for every event it publishes.
func stockAccepted(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	var n int64
	br := bufio.NewReaderSize(f, 1<<20)
	needle := []byte("'name': 'v")
	for {
		line, err := br.ReadSlice('\n')
		if bytes.Contains(line, needle) {
			n++
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return n
		}
	}
}

// ceilingBody is a ~400-byte legacy webhook body.
func ceilingBody() []byte {
	b := fmt.Appendf(nil, `{"event": "VOLUME_START", "message": {"force": false, "name": "c0", "pad": "%%s"}, "nodeid": "%s", "ts": 1795300000}`, nodeUUID)
	pad := strings.Repeat("x", max(0, 400-len(b)+2))
	return fmt.Appendf(nil, string(b), pad)
}

// runCeiling measures what the receiver absorbs from a bare Go client
// over one keep-alive connection and over four. The client is a separate
// process (this program again), as the daemons are.
func runCeiling(sp spec, base time.Time, res *result) error {
	r := newReceiver(base, 0)
	addr := fmt.Sprintf("127.0.0.1:%d", ceilingPort)
	if err := r.listen(addr); err != nil {
		return err
	}
	defer r.close()
	res.Extra["body_bytes"] = len(ceilingBody())
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, conns := range []int{1, 4} {
		b, _ := json.Marshal(clientSpec{URL: "http://" + addr + "/hook", Conns: conns, Duration: sp.Duration})
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), clientEnv+"="+string(b))
		cmd.Env = slices.DeleteFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, childEnv+"=") })
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("ceiling client: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		var rate float64
		if _, err := fmt.Sscan(string(out), &rate); err != nil {
			return fmt.Errorf("ceiling client printed %q", out)
		}
		res.add(fmt.Sprintf("ceiling, %d connection(s)", conns), "req/s", rate)
	}
	return nil
}

// clientEnv makes the program a ceiling client: it posts ceilingBody to
// URL over Conns keep-alive connections for Duration and prints the
// completed requests per second.
const clientEnv = "GE_BENCH_CLIENT"

type clientSpec struct {
	URL      string        `json:"url"`
	Conns    int           `json:"conns"`
	Duration time.Duration `json:"duration"`
}

func clientMain(specJSON string) int {
	var cs clientSpec
	if err := json.Unmarshal([]byte(specJSON), &cs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rate, err := postLoop(cs.URL, ceilingBody(), cs.Conns, cs.Duration)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(rate)
	return 0
}

// dispatch runs the child or client role if the environment asks for one.
func dispatch() (code int, ok bool) {
	if s, ok := os.LookupEnv(childEnv); ok {
		return childMain(s), true
	}
	if s, ok := os.LookupEnv(clientEnv); ok {
		return clientMain(s), true
	}
	return 0, false
}

func postLoop(url string, body []byte, conns int, d time.Duration) (float64, error) {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var done atomic.Int64
	start := time.Now()
	stop := start.Add(d)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		wg.Go(func() {
			for time.Now().Before(stop) {
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}
