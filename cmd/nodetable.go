package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gluster/gluster-eventing/internal/cluster"
)

// nodeResult is what one node of the pool answered to a cluster command:
// the row of the per-node table and of the --json output.
type nodeResult struct {
	Node   string // hostname as pool list has it, "localhost" for this node
	NodeID string // glusterd UUID
	Self   bool
	// Up says that the node answered (its glusterd is connected); a node
	// without an answer is DOWN in the NODE STATUS column.
	Up bool
	// OK is the action's success on the node; Error says why not.
	OK    bool
	Error string
	// Cell, if set, replaces "OK" in the status column (status: UP,
	// webhook-test: OK (HTTP 200)).
	Cell string
	// Output is the node's reply, as it printed it.
	Output json.RawMessage
}

// statusCell is the <ACTION> STATUS cell: OK, or NOT OK: <error>, as
// gluster-eventsapi prints it.
func (r *nodeResult) statusCell() string {
	switch {
	case r.Cell != "":
		return r.Cell
	case r.OK:
		return "OK"
	case r.Error == "":
		return "NOT OK"
	}
	return "NOT OK: " + r.Error
}

func (r *nodeResult) nodeStatus() string {
	if r.Up {
		return "UP"
	}
	return "DOWN"
}

// resultsCode is the exit code of a command that ran on every node: 0 when
// it succeeded on all, 3 when on none, 4 when on some (gluster-eventsapi's
// codes).
func resultsCode(rs []nodeResult) ExitCode {
	ok := 0
	for i := range rs {
		if rs[i].OK {
			ok++
		}
	}
	switch {
	case len(rs) > 0 && ok == len(rs):
		return ExitOK
	case ok == 0:
		return ExitAllNodesFailed
	}
	return ExitPartial
}

// resultsError is nil when every node succeeded, else the error (exit 3 or
// 4) naming the nodes that did not. printed says the JSON result is out.
func resultsError(what string, rs []nodeResult, printed bool) error {
	code := resultsCode(rs)
	if code == ExitOK {
		return nil
	}
	var failed []string
	for i := range rs {
		if !rs[i].OK {
			failed = append(failed, rs[i].Node)
		}
	}
	msg := fmt.Sprintf("%s failed on %d of %d nodes (%s)", what, len(failed), len(rs), strings.Join(failed, ", "))
	if code == ExitAllNodesFailed {
		msg = fmt.Sprintf("%s failed on every node", what)
	}
	return &Error{Code: code, Err: errors.New(msg), Printed: printed}
}

// writeNodeTable prints gluster-eventsapi's per-node table, NODE | NODE
// STATUS | <COL> STATUS, with the status columns right-aligned, plus the
// extra columns (extra(i) are row i's cells, right-aligned too).
func writeNodeTable(w io.Writer, col string, rs []nodeResult, extraHead []string, extra func(i int) []string) error {
	rows := [][]string{append([]string{"NODE", "NODE STATUS", strings.ToUpper(col) + " STATUS"}, extraHead...)}
	for i := range rs {
		r := &rs[i]
		row := []string{r.Node, r.nodeStatus(), r.statusCell()}
		if extra != nil {
			row = append(row, extra(i)...)
		}
		rows = append(rows, row)
	}
	return writeAligned(w, rows)
}

// writeAligned prints rows as columns two spaces apart: the first
// left-aligned, the others right-aligned (text/tabwriter right-aligns the
// first column too).
func writeAligned(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0 && len(row) == 1:
				b.WriteString(c)
			case i == 0:
				b.WriteString(c + pad)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// legacyRows is gluster-eventsapi's --json "output" for rs: one object per
// node with node, node_status, <col>_status (OK, or NOT OK: <error>) and
// error.
func legacyRows(col string, rs []nodeResult) []map[string]string {
	out := make([]map[string]string, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		out = append(out, map[string]string{
			"node":          r.Node,
			"node_status":   r.nodeStatus(),
			col + "_status": r.statusCell(),
			"error":         r.Error,
		})
	}
	return out
}

// nativeRow is one node of the native --json output.
type nativeRow struct {
	Node       string          `json:"node"`
	NodeID     string          `json:"nodeid"`
	Self       bool            `json:"self,omitempty"`
	NodeStatus string          `json:"node_status"`
	OK         bool            `json:"ok"`
	Status     string          `json:"status"`
	Error      string          `json:"error,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
}

func nativeRows(rs []nodeResult) []nativeRow {
	out := make([]nativeRow, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		out = append(out, nativeRow{Node: r.Node, NodeID: r.NodeID, Self: r.Self, NodeStatus: r.nodeStatus(),
			OK: r.OK, Status: r.statusCell(), Error: r.Error, Output: r.Output})
	}
	return out
}

// localResult is the one row of a command run on this node alone (no
// cluster), named localhost as pool list names this node.
func localResult(nodeID string, ok bool, err error) []nodeResult {
	r := nodeResult{Node: "localhost", NodeID: nodeID, Self: true, Up: true, OK: ok}
	if err != nil {
		r.OK, r.Error = false, err.Error()
	}
	return []nodeResult{r}
}

// fromResults turns the channel's per-node results into table rows. A
// node without an answer (its glusterd is down or left the transaction)
// is DOWN; a node that answered has its reply's ok and error.
func fromResults(rs []cluster.Result) []nodeResult {
	out := make([]nodeResult, 0, len(rs))
	for _, r := range rs {
		row := nodeResult{Node: r.Node.Hostname, NodeID: r.Node.UUID, Self: r.Node.Self, Up: len(r.Replies) > 0}
		if len(r.Replies) > 0 {
			row.Output = r.Replies[0].Output
		}
		if err := r.Problem(); err != nil {
			row.Error = err.Error()
			if errors.Is(err, cluster.ErrNodeDown) {
				row.Error = "Node is not connected" // gluster-eventsapi's words
			}
		} else {
			row.OK = true
		}
		out = append(out, row)
	}
	return out
}
