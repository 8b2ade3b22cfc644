package cmd

import (
	"fmt"
	"strings"

	"github.com/gluster/gluster-eventing/internal/api"
)

// httpLine is the status line of the HTTP API's TCP listener and its
// stream clients, "" from a daemon that reports neither.
func httpLine(st *api.Status) string {
	var parts []string
	if st.HTTP != "" {
		parts = append(parts, st.HTTP)
	} else if st.Streams != nil {
		parts = append(parts, "unix socket only")
	}
	if s := st.Streams; s != nil {
		p := fmt.Sprintf("%s, %d events sent", plural(int(s.Clients), "stream client"), s.Sent)
		if s.Dropped > 0 {
			p += fmt.Sprintf(", %d dropped for not reading", s.Dropped)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
