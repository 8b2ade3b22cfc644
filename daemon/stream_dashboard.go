package daemon

import "net/http"

// dashboardHandler serves the dashboard at "/".
func dashboardHandler() http.Handler { return http.NotFoundHandler() }
