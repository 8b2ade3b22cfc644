package webhooks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

const (
	// maxStderr is how much of a command's stderr is kept: its first line
	// goes into the health's last error.
	maxStderr = 4 << 10
	// execWaitDelay is how long, after the command exits or is killed, a
	// run waits for the pipes its children may hold open.
	execWaitDelay = time.Second
)

// execSink runs a notifier's command for each message, the events as JSON
// on stdin and as environment variables. There is no shell: the command is
// an argv. It is immutable and safe for concurrent use: each Send is a
// process of its own.
type execSink struct {
	argv    []string
	batch   bool
	max     int
	timeout time.Duration
	env     []string // the daemon's environment, less what is systemd's
}

// NewExecSink is the SinkFactory of exec notifiers.
func NewExecSink(n *config.Notifier, _ SinkEnv) (Sink, error) {
	e := n.Exec
	if e == nil || len(e.Command) == 0 {
		return nil, errors.New("exec notifier without a command")
	}
	s := &execSink{
		argv:    append([]string(nil), e.Command...),
		batch:   e.Batch,
		max:     e.EffectiveMaxBatch(),
		timeout: time.Duration(n.Timeout),
		env:     childEnv(os.Environ()),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s, nil
}

// childEnv drops the variables that tell a process it is the service
// systemd started (socket activation, sd_notify, the watchdog): a command
// that believed them would talk to systemd on the daemon's behalf. It also
// drops any variable of the names eventEnv sets.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "LISTEN_"), strings.HasPrefix(k, "WATCHDOG_"), k == "NOTIFY_SOCKET",
			// Ours, set per run (GLUSTER_EVENTING_CONFIG stays: a command
			// that runs gluster-eventing reaches this daemon).
			k == "GLUSTER_EVENT", strings.HasPrefix(k, "GLUSTER_EVENT_"), strings.HasPrefix(k, "GLUSTER_FIELD_"), k == "GLUSTER_BATCH":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Batching makes batch mode take the events at hand, up to max_batch per
// run; without batch every event is a run of its own.
func (s *execSink) Batching() Batching {
	if !s.batch {
		return Batching{Max: 1}
	}
	return Batching{Max: s.max}
}

func (s *execSink) Close() error { return nil }

// Send runs the command once for m. Exit status 0 is a delivery; any other
// exit, a failure to start and a run killed at the timeout are retried.
func (s *execSink) Send(ctx context.Context, m *Message) Result {
	bodies := m.Bodies()
	var stdin []byte
	var err error
	if s.batch {
		stdin, err = json.Marshal(bodies)
	} else {
		stdin, err = json.Marshal(bodies[0])
	}
	if err != nil {
		return Result{Verdict: Permanent, Err: fmt.Errorf("encode event: %w", err)}
	}
	stdin = append(stdin, '\n')

	actx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cmd := exec.CommandContext(actx, s.argv[0], s.argv[1:]...)
	cmd.Dir = "/"
	cmd.Env = append(append(make([]string, 0, len(s.env)+16), s.env...), eventEnv(m, bodies, s.batch)...)
	cmd.Stdin = bytes.NewReader(stdin)
	stderr := &headBuffer{max: maxStderr}
	cmd.Stderr = stderr
	// Its own process group, so that the timeout kills what it started
	// too (a script's children), not the command alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = execWaitDelay
	err = cmd.Run()
	if err == nil || (errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success()) {
		// Exited 0; a child it left running may hold its stderr open,
		// which is no failure: the run is not waited for past the delay.
		return Result{Verdict: Delivered}
	}
	res := Result{Verdict: Retry}
	line := stderr.firstLine()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.Err = errors.New("cancelled: the notifier is stopping")
	case actx.Err() != nil:
		res.Err = fmt.Errorf("killed after the timeout (%s)", s.timeout)
	case errors.As(err, &exit) && exit.Exited():
		res.Status = exit.ExitCode()
		res.Err = fmt.Errorf("exit status %d", res.Status)
	case errors.As(err, &exit):
		res.Err = fmt.Errorf("killed by %s", exit.ProcessState.String())
	default:
		// It did not start (missing, not executable) or its I/O failed.
		res.Err = fmt.Errorf("run %s: %w", s.argv[0], unwrapPath(err))
	}
	if line != "" {
		res.Err = fmt.Errorf("%w: %s", res.Err, line)
	}
	return res
}

// unwrapPath drops the *exec.Error/*fs.PathError wrapping that repeats the
// program's name.
func unwrapPath(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// eventEnv is the environment that describes m to the command. One event:
// GLUSTER_EVENT (its name), GLUSTER_EVENT_ID, _SEQ, _EPOCH, _NODE, _TS
// (the sender's unix time), _RECEIVED (RFC 3339), _CATEGORY, _SEVERITY,
// and GLUSTER_FIELD_<KEY> for each field (the key upper-cased, every
// character but a letter or digit turned into _). A batch: GLUSTER_BATCH
// (the number of events), GLUSTER_EVENT_FIRST_SEQ and _LAST_SEQ, _NODE and
// _EPOCH; the events are on stdin.
func eventEnv(m *Message, bodies []*StandardBody, batch bool) []string {
	if batch {
		return []string{
			"GLUSTER_BATCH=" + strconv.Itoa(len(bodies)),
			"GLUSTER_EVENT_FIRST_SEQ=" + strconv.FormatUint(bodies[0].Seq, 10),
			"GLUSTER_EVENT_LAST_SEQ=" + strconv.FormatUint(bodies[len(bodies)-1].Seq, 10),
			"GLUSTER_EVENT_NODE=" + m.Node,
			"GLUSTER_EVENT_EPOCH=" + bodies[0].Epoch,
		}
	}
	b := bodies[0]
	env := []string{
		"GLUSTER_EVENT=" + b.Event,
		"GLUSTER_EVENT_ID=" + b.ID,
		"GLUSTER_EVENT_SEQ=" + strconv.FormatUint(b.Seq, 10),
		"GLUSTER_EVENT_EPOCH=" + b.Epoch,
		"GLUSTER_EVENT_NODE=" + b.Node,
		"GLUSTER_EVENT_TS=" + strconv.FormatInt(b.TS, 10),
		"GLUSTER_EVENT_RECEIVED=" + b.Timestamp.Format(time.RFC3339Nano),
		"GLUSTER_EVENT_CATEGORY=" + b.Category,
		"GLUSTER_EVENT_SEVERITY=" + b.Severity,
	}
	// In wire order, so that of duplicate keys the last wins, as in the
	// body's data.
	if !m.Test {
		for _, f := range m.Records[0].Event.Fields {
			env = append(env, FieldEnvName(f.Key)+"="+strings.ReplaceAll(f.Value, "\x00", ""))
		}
	}
	return env
}

// FieldEnvName is the environment variable of an event field for exec
// notifiers: GLUSTER_FIELD_ and the key (trimmed) upper-cased, every
// character but an ASCII letter or digit replaced by _ ("brick-path" →
// GLUSTER_FIELD_BRICK_PATH).
func FieldEnvName(key string) string {
	var b strings.Builder
	b.WriteString("GLUSTER_FIELD_")
	for _, r := range strings.TrimSpace(key) {
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// headBuffer keeps the first max bytes written to it and discards the
// rest (without failing the writer).
type headBuffer struct {
	max int
	b   []byte
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if n := h.max - len(h.b); n > 0 {
		h.b = append(h.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// firstLine is the first non-empty line, trimmed, at most 200 bytes.
func (h *headBuffer) firstLine() string {
	sc := bufio.NewScanner(bytes.NewReader(h.b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			if len(line) > 200 {
				line = line[:200] + "..."
			}
			return strings.ToValidUTF8(line, "?")
		}
	}
	return ""
}
