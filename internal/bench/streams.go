package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The streams scenario (gluster-eventing only; glustereventsd has no event
// stream): N SSE clients on /v1/events/stream while the sender offers a
// constant rate, no webhook. Each client counts what it gets per marker:
// delivered, gaps (seqs it never got between two it got, and those it
// lacks at the end), duplicates, and the latency from the send to the
// client reading the event. The same load with 0 clients gives the
// daemon's CPU without streams: the difference is what the streams cost.

const (
	streamsPort    = 55556 // the daemon's default [http] listen (in the run's own netns)
	streamsVariant = "%d clients"
)

// streamsVariantName names a run with n clients.
func streamsVariantName(n int) string { return fmt.Sprintf(streamsVariant, n) }

// streamClient is one SSE client.
type streamClient struct {
	base    time.Time
	recvAt  []int64 // per marker: ns since base of its first arrival, -1 if none
	unique  atomic.Int64
	dups    atomic.Int64
	gaps    atomic.Int64
	other   atomic.Int64 // data lines without a marker
	lastSeq uint64
	cancel  context.CancelFunc
	done    chan struct{}
	err     error
	once    sync.Once
}

var (
	seqKey    = []byte(`"seq":`)
	markerKey = []byte(`"name":"v`)
)

// openStream connects a client; it reads until its context ends.
func openStream(base time.Time, total int) (*streamClient, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &streamClient{base: base, recvAt: make([]int64, total), cancel: cancel, done: make(chan struct{})}
	for i := range c.recvAt {
		c.recvAt[i] = -1
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/v1/events/stream", streamsPort), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET /v1/events/stream: HTTP %d", resp.StatusCode)
	}
	go func() {
		defer close(c.done)
		defer resp.Body.Close()
		br := bufio.NewReaderSize(resp.Body, 64<<10)
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				if ctx.Err() == nil {
					c.err = err
				}
				return
			}
			if bytes.HasPrefix(line, []byte("data: ")) {
				c.record(line, since(base))
			}
		}
	}()
	return c, nil
}

// record takes one data line: its seq (gaps) and marker (arrival time).
func (c *streamClient) record(line []byte, at int64) {
	if i := bytes.Index(line, seqKey); i >= 0 {
		rest := line[i+len(seqKey):]
		end := bytes.IndexByte(rest, ',')
		if seq, err := strconv.ParseUint(string(rest[:max(end, 0)]), 10, 64); err == nil {
			if c.lastSeq != 0 && seq > c.lastSeq+1 {
				c.gaps.Add(int64(seq - c.lastSeq - 1))
			}
			if seq > c.lastSeq {
				c.lastSeq = seq
			}
		}
	}
	i := bytes.Index(line, markerKey)
	if i < 0 {
		c.other.Add(1)
		return
	}
	rest := line[i+len(markerKey):]
	end := bytes.IndexByte(rest, '"')
	m, err := strconv.Atoi(string(rest[:max(end, 0)]))
	if err != nil || m < 0 || m >= len(c.recvAt) {
		c.other.Add(1)
		return
	}
	if c.recvAt[m] >= 0 {
		c.dups.Add(1)
		return
	}
	c.recvAt[m] = at
	c.unique.Add(1)
}

// close ends the client and waits for its reader: only then are its
// records safe to read.
func (c *streamClient) close() {
	c.once.Do(func() {
		c.cancel()
		<-c.done
	})
}

// streamStatus is the part of the daemon's status the scenario reads.
type streamStatus struct {
	Intake struct {
		Accepted int64 `json:"accepted"`
	} `json:"intake"`
	Journal struct {
		LastSeq int64 `json:"last_seq"`
	} `json:"journal"`
	Streams struct {
		Clients int64 `json:"clients"`
		Sent    int64 `json:"sent"`
		Lagged  int64 `json:"lagged"`
		Dropped int64 `json:"dropped"`
	} `json:"streams"`
}

func readStreamStatus(sock string) (*streamStatus, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://gluster-eventing/v1/status")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st streamStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

// runStreams runs one streams variant (sp.Clients clients) in the child's
// sandbox.
func runStreams(sb *sandbox, sp spec, base time.Time, res *result) error {
	total := int(float64(sp.Rate) * sp.Duration.Seconds())
	d, err := startOurs(sb, sp.Bin, nil, 1, nil, nil)
	if err != nil {
		return err
	}
	defer d.stop()
	sock := sb.path("run/api.sock")
	snd, err := newSender(fmt.Sprintf("127.0.0.1:%d", eventPort), base)
	if err != nil {
		return err
	}
	defer snd.close()
	if err := waitReady(d, snd, nil, false); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := readStreamStatus(sock); err == nil {
			break
		}
		if time.Now().After(deadline) || !d.alive() {
			return fmt.Errorf("the daemon's API did not answer: %s", d.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var clients []*streamClient
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for range sp.Clients {
		c, err := openStream(base, total)
		if err != nil {
			return fmt.Errorf("stream client %d: %w", len(clients), err)
		}
		clients = append(clients, c)
	}
	for {
		st, err := readStreamStatus(sock)
		if err == nil && st.Streams.Clients == int64(sp.Clients) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d stream clients connected, want %d", st.Streams.Clients, sp.Clients)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st0, err := readStreamStatus(sock)
	if err != nil {
		return err
	}
	mon := newProcMon(d.pid())
	time.Sleep(time.Second)
	cpu0 := mon.cpuSeconds()
	mon.start(50 * time.Millisecond)

	sentAt := make([]int64, total)
	t0 := since(base)
	snd.paced(total, sp.Rate, sentAt)
	sendEnd := since(base)
	cpuSend := mon.cpuSeconds() - cpu0

	// Wait for every client to have what the daemon accepted: all of it,
	// or (some datagrams lost at intake) a count that stood still since
	// the previous look, so that a datagram still being taken in when the
	// status was read is not delivered beyond the count.
	timedOut := false
	var st1 *streamStatus
	prev := int64(-1)
	for {
		st1, err = readStreamStatus(sock)
		if err != nil {
			return err
		}
		accepted := st1.Intake.Accepted - st0.Intake.Accepted
		all := true
		for _, c := range clients {
			if c.unique.Load() < accepted {
				all = false
			}
		}
		if all && (accepted == int64(total) || accepted >= int64(total)-int64(total/100) && accepted == prev) || !d.alive() {
			break
		}
		prev = accepted
		if since(base)-sendEnd >= int64(sp.Deadline) {
			timedOut = true
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	peak := mon.stop()
	cpu := mon.cpuSeconds() - cpu0
	if !d.alive() {
		return fmt.Errorf("%s exited during the run: %s", d.name, d.logTail())
	}
	accepted := st1.Intake.Accepted - st0.Intake.Accepted
	for _, c := range clients {
		c.close()
	}

	var delivered, dups, gaps, missing int64
	var lat []int64
	for _, c := range clients {
		u := c.unique.Load()
		delivered += u
		dups += c.dups.Load()
		gaps += c.gaps.Load()
		missing += max(0, accepted-u)
		for i, at := range c.recvAt {
			if at >= 0 {
				lat = append(lat, at-sentAt[i])
			}
		}
	}
	res.add("stream clients", "", float64(sp.Clients))
	res.add("offered rate", "ev/s", float64(sp.Rate))
	res.add("achieved send rate", "ev/s", float64(total)/secs(sendEnd-t0))
	res.add("accepted by the daemon", "", float64(accepted))
	res.add("dropped at intake (lost)", "", float64(int64(total)-accepted))
	if sp.Clients > 0 {
		res.add("deliveries expected", "", float64(accepted*int64(sp.Clients)))
		res.add("delivered", "", float64(delivered))
		res.add("not delivered by the end", "", float64(missing))
		res.add("gaps (seqs skipped within a stream)", "", float64(gaps))
		res.add("duplicated", "", float64(dups))
		res.add("clients dropped by the daemon", "", float64(st1.Streams.Dropped-st0.Streams.Dropped))
		res.add("clients that fell behind the ring", "", float64(st1.Streams.Lagged-st0.Streams.Lagged))
		if len(lat) > 0 {
			slices.Sort(lat)
			res.add("latency p50", "ms", float64(percentile(lat, 50))/1e6)
			res.add("latency p99", "ms", float64(percentile(lat, 99))/1e6)
			res.add("latency max", "ms", float64(lat[len(lat)-1])/1e6)
		}
	}
	res.add("deadline hit", "", b2f(timedOut))
	res.add("CPU time while sending", "s", cpuSend)
	res.add("CPU while sending, % of one core", "%", cpuSend/secs(sendEnd-t0)*100)
	res.add("CPU time", "s", cpu)
	if delivered > 0 {
		res.add("CPU per 1000 deliveries", "ms", cpu/float64(delivered)*1e6)
	}
	res.add("RSS peak", "MiB", mib(peak))
	for _, c := range clients {
		if c.err != nil {
			res.Extra["client_error"] = c.err.Error()
		}
	}
	return nil
}

// runStreamsScenario runs both variants, repeat times each.
func (b *bench) runStreamsScenario() {
	o := b.o
	if !o.wantDaemon(ours) {
		return
	}
	for rep := 1; rep <= b.reps("streams"); rep++ {
		for _, n := range []int{o.StreamsClients, 0} {
			b.run("streams", streamsVariantName(n), ours, rep, spec{
				Rate: o.StreamsRate, Duration: o.StreamsDur, Clients: n, Deadline: o.PacedDeadline,
			})
		}
	}
}

// streamsTable puts the two variants side by side, with the CPU the
// streams add; glustereventsd has nothing to compare.
func (b *bench) streamsTable() table {
	o := b.o
	reps := ""
	if n := b.reps("streams"); n > 1 {
		reps = fmt.Sprintf("; median of %d runs", n)
	}
	with, without := b.median("streams", streamsVariantName(o.StreamsClients), ours), b.median("streams", streamsVariantName(0), ours)
	t := table{
		Title: fmt.Sprintf("streams (gluster-eventing only): %d SSE clients on /v1/events/stream at %d events/s for %s, no webhook, and the same load with no client%s",
			o.StreamsClients, o.StreamsRate, o.StreamsDur, reps),
		Columns: []string{streamsVariantName(o.StreamsClients), streamsVariantName(0)},
		Rows:    merge(with, without),
		Notes: []string{
			"glustereventsd: n/a (it has no event stream; its only consumers are webhooks)",
			"ratio = with clients / without; latency is from the send of the datagram to the client reading the event",
		},
	}
	if with != nil && without != nil {
		c1, ok1 := with.get("CPU while sending, % of one core")
		c0, ok0 := without.get("CPU while sending, % of one core")
		if ok1 && ok0 {
			t.Rows = append(t.Rows, row{Metric: "CPU the streams add while sending, % of one core", Unit: "%", Ours: ptr(c1 - c0)})
		}
	}
	return t
}
