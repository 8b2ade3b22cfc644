package daemon

import (
	"net/http"

	"github.com/gluster/gluster-eventing/internal/dashboard"
)

// dashboardHandler serves the dashboard at "/".
func dashboardHandler() http.Handler { return dashboard.Handler() }
