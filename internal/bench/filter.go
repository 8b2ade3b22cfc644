package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The filter scenario (gluster-eventing only): the cost of per-webhook
// filters at 10,000 events/s with 20 webhooks. Two runs with the same
// intake: every webhook filtered to its share of the events (webhook k of
// n gets the markers i with i%n == k, so the daemon delivers as many
// events as it receives, and every webhook's worker still reads and
// matches every event), and the same webhooks without a filter (each
// gets every event: n times the deliveries). The filtered run also checks
// the filter at scale: a delivery outside a webhook's share is counted.

const (
	filterFiltered   = "filtered"
	filterUnfiltered = "unfiltered"
)

// shareFilter is webhook k's (of n) filter: the warm-up markers and the
// markers v<i> with i%n == k, written as the volume globs an operator
// would (n divides 100: i%100 is one of k, k+n, ..., and the marker ends
// in those two digits or is one of them). The category and severity terms
// select every event of the load; they are there so that the match does
// what a real filter does.
func shareFilter(k, n int) string {
	terms := []string{"category:volume", "severity:info", "volume:w*"}
	for m := k; m < 100; m += n {
		if m < 10 {
			terms = append(terms, fmt.Sprintf("volume:v%d", m))
		}
		terms = append(terms, fmt.Sprintf("volume:v*%02d", m))
	}
	return strings.Join(terms, " ")
}

// runFilter runs one filter variant (sp.Filter: filtered or not) in the
// child's sandbox.
func runFilter(sb *sandbox, sp spec, base time.Time, res *result) error {
	n := max(1, sp.Webhooks)
	if 100%n != 0 {
		return fmt.Errorf("filter: %d webhooks: the share filters need a number that divides 100", n)
	}
	total := int(float64(sp.Rate) * sp.Duration.Seconds())
	recvs := make([]*receiver, n)
	for k := range recvs {
		recvs[k] = newReceiver(base, total)
		defer recvs[k].close()
		if err := recvs[k].listen(fmt.Sprintf("127.0.0.1:%d", hookPort+k)); err != nil {
			return err
		}
	}
	// want[k] is the number of markers webhook k should get.
	want := make([]int64, n)
	var filters []string
	for k := range n {
		if sp.Filter {
			filters = append(filters, shareFilter(k, n))
			want[k] = int64((total - k + n - 1) / n)
		} else {
			want[k] = int64(total)
		}
	}
	d, err := startOurs(sb, sp.Bin, hookURLs(n), max(1, sp.MaxInFlight), nil, filters)
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
	if err := waitReady(d, snd, recvs, true); err != nil {
		return err
	}
	mon := newProcMon(d.pid())
	time.Sleep(time.Second)
	acc0 := oursAccepted(sock)
	cpu0 := mon.cpuSeconds()
	mon.start(50 * time.Millisecond)

	sentAt := make([]int64, total)
	t0 := since(base)
	snd.paced(total, sp.Rate, sentAt)
	sendEnd := since(base)
	cpuSend := mon.cpuSeconds() - cpu0
	timedOut := waitShares(base, recvs, want, sendEnd, sp.Quiet, sp.Deadline, d)
	peak := mon.stop()
	cpu := mon.cpuSeconds() - cpu0
	if !d.alive() {
		return fmt.Errorf("%s exited during the run: %s", d.name, d.logTail())
	}
	accepted := oursAccepted(sock) - acc0

	var expected, delivered, duringSend, unexpected, dups int64
	var lat []int64
	for k, r := range recvs {
		expected += want[k]
		delivered += r.unique.Load()
		dups += r.dups.Load()
		duringSend += int64(r.between(t0, sendEnd+1))
		for i := range total {
			at := r.receivedAt(i)
			if at < 0 {
				continue
			}
			if sp.Filter && i%n != k {
				unexpected++
			}
			lat = append(lat, at-sentAt[i])
		}
	}
	res.add("webhooks", "", float64(n))
	res.add("offered rate", "ev/s", float64(sp.Rate))
	res.add("achieved send rate", "ev/s", float64(total)/secs(sendEnd-t0))
	res.add("accepted by the daemon", "", float64(accepted))
	res.add("dropped at intake (lost)", "", float64(int64(total)-accepted))
	res.add("deliveries expected", "", float64(expected))
	res.add("delivered", "", float64(delivered))
	res.add("delivered while sending, per second", "ev/s", float64(duringSend)/secs(sendEnd-t0))
	res.add("not delivered by the end", "", float64(expected-delivered))
	res.add("delivered outside the filter", "", float64(unexpected))
	res.add("duplicated", "", float64(dups))
	if len(lat) > 0 {
		slices.Sort(lat)
		res.add("latency p50", "ms", float64(percentile(lat, 50))/1e6)
		res.add("latency p99", "ms", float64(percentile(lat, 99))/1e6)
	}
	res.add("deadline hit", "", b2f(timedOut))
	res.add("CPU time while sending", "s", cpuSend)
	res.add("CPU while sending, % of one core", "%", cpuSend/secs(sendEnd-t0)*100)
	res.add("CPU time", "s", cpu)
	if accepted > 0 {
		// Every worker reads every event in both runs: this is the cost
		// of one webhook's look at one event, delivery included.
		res.add("CPU per 1000 events per webhook", "ms", cpu/float64(accepted*int64(n))*1e6)
	}
	if delivered > 0 {
		res.add("CPU per 1000 deliveries", "ms", cpu/float64(delivered)*1e6)
	}
	res.add("RSS peak", "MiB", mib(peak))
	return nil
}

// waitShares is waitDelivery with an expected count per receiver.
func waitShares(base time.Time, recvs []*receiver, want []int64, sendEnd int64, quiet, deadline time.Duration, d *daemonProc) bool {
	for {
		all := true
		last := sendEnd
		for k, r := range recvs {
			if r.unique.Load() < want[k] {
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

// filterTable is the filter scenario's table: filtered and unfiltered
// side by side.
func (b *bench) filterTable() table {
	o := b.o
	reps := ""
	if n := b.reps("filter"); n > 1 {
		reps = fmt.Sprintf("; median of %d runs", n)
	}
	return table{
		Title: fmt.Sprintf("filter (gluster-eventing only): %d events/s for %s, %d webhooks, each filtered to its 1/%d of the events, and the same webhooks without a filter%s",
			o.FilterRate, o.FilterDur, o.FilterHooks, o.FilterHooks, reps),
		Columns: []string{filterFiltered, filterUnfiltered},
		Rows:    merge(b.median("filter", filterFiltered, ours), b.median("filter", filterUnfiltered, ours)),
		Notes: []string{
			"ratio = filtered / unfiltered; filtered, every worker still reads and matches every event but delivers 1 in " +
				fmt.Sprint(o.FilterHooks) + " (as many deliveries as events); unfiltered, every webhook gets every event (" +
				fmt.Sprint(o.FilterHooks) + " times the deliveries, beyond what one machine delivers at this rate)",
			"each filter is category:volume severity:info volume:w* and the volume globs of its share (volume:v*05 ...): " +
				"\"delivered outside the filter\" must be 0",
		},
	}
}
