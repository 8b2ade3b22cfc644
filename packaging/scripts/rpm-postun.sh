# %postun of gluster-eventing (RPM); $1 is the number of instances left
# (1 = upgrade). What %systemd_postun_with_restart does: restart on upgrade
# (the journal in /var/lib/gluster-eventing survives it). RPM has no purge:
# the journal stays after an erase.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
	if [ "$1" -ge 1 ]; then
		systemctl try-restart gluster-eventing.service >/dev/null 2>&1 || :
	fi
fi
exit 0
