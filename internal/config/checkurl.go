package config

// CheckWebhookURL checks a webhook URL the way the cluster config's
// validation does (an absolute http or https URL with a host), for commands
// that take one as an argument and want to report it before touching a
// file. Its errors never include the URL, which may hold a password.
func CheckWebhookURL(s string) error { return checkURL(s) }
