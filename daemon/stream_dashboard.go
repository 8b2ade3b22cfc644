package daemon

import (
	"net/http"

	"github.com/gluster/gluster-eventing/internal/dashboard"
)

// dashboardHandler serves the dashboard (internal/dashboard's embedded
// page) at "/": the API's more specific patterns win over it.
func dashboardHandler() http.Handler { return dashboard.Handler() }
