package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat returns the parent PID and the CPU time (utime+stime plus the
// waited-for children's cutime+cstime, in clock ticks) of pid.
func procStat(pid int) (ppid int, ticks int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17.
	if len(f) < 15 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	for _, k := range f[11:15] {
		v, _ := strconv.ParseInt(k, 10, 64)
		ticks += v
	}
	return ppid, ticks, true
}

// procStatusKB returns a "kB" field (VmRSS, RssAnon, VmHWM) of /proc/<pid>/status.
func procStatusKB(pid int, field string) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	prefix := field + ":"
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) {
			fs := strings.Fields(line[len(prefix):])
			if len(fs) > 0 {
				v, _ := strconv.ParseInt(fs[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// descendants returns root and every process below it.
func descendants(root int) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	children := map[int][]int{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// procMon watches the memory and CPU of a daemon's process tree (the daemon
// and its children: glustereventsd forks its webhook sender).
type procMon struct {
	root int

	mu       sync.Mutex
	pids     []int
	scanned  time.Time
	peakKB   int64
	anonKB   int64 // peak of the summed RssAnon: heap and stacks, not file pages
	stopping chan struct{}
	done     chan struct{}
}

func newProcMon(root int) *procMon {
	return &procMon{root: root}
}

func (m *procMon) tree() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.scanned) > time.Second {
		m.pids = descendants(m.root)
		m.scanned = time.Now()
	}
	return append([]int(nil), m.pids...)
}

// rssKB is the summed VmRSS of the tree now; it also updates the peaks.
func (m *procMon) rssKB() int64 {
	var sum, anon int64
	for _, pid := range m.tree() {
		sum += procStatusKB(pid, "VmRSS")
		anon += procStatusKB(pid, "RssAnon")
	}
	m.mu.Lock()
	m.peakKB = max(m.peakKB, sum)
	m.anonKB = max(m.anonKB, anon)
	m.mu.Unlock()
	return sum
}

// anonPeakKB is the peak summed RssAnon since start: VmRSS also counts the
// file pages a process maps, such as the journal's, which the kernel
// reclaims as it needs.
func (m *procMon) anonPeakKB() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.anonKB
}

// hwmKB is the summed VmHWM (peak RSS since start) of the tree; for more
// than one process it is an upper bound of the tree's peak.
func (m *procMon) hwmKB() int64 {
	var sum int64
	for _, pid := range m.tree() {
		sum += procStatusKB(pid, "VmHWM")
	}
	return sum
}

// cpuSeconds is the summed CPU time of the tree so far.
func (m *procMon) cpuSeconds() float64 {
	var sum int64
	for _, pid := range m.tree() {
		if _, t, ok := procStat(pid); ok {
			sum += t
		}
	}
	return float64(sum) / clockTicks
}

// start samples the RSS every interval until stop, after resetting the
// peak.
func (m *procMon) start(interval time.Duration) {
	m.mu.Lock()
	m.peakKB, m.anonKB = 0, 0
	m.stopping = make(chan struct{})
	m.done = make(chan struct{})
	stopping, done := m.stopping, m.done
	m.mu.Unlock()
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			m.rssKB()
			select {
			case <-stopping:
				return
			case <-t.C:
			}
		}
	}()
}

// stop ends sampling and returns the peak RSS seen since start, in kB.
func (m *procMon) stop() int64 {
	m.mu.Lock()
	stopping, done := m.stopping, m.done
	m.mu.Unlock()
	if stopping != nil {
		close(stopping)
		<-done
	}
	m.rssKB()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopping = nil
	return m.peakKB
}

// udpPortBound reports whether something in this network namespace has a
// UDP socket bound to port.
func udpPortBound(port int) bool {
	suffix := ":" + strings.ToUpper(strconv.FormatInt(int64(port), 16))
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) > 1 && strings.HasSuffix(fs[1], suffix) {
				return true
			}
		}
	}
	return false
}
