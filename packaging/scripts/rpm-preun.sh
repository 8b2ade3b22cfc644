# %preun of gluster-eventing (RPM); $1 is the number of instances left
# (0 = erase). What %systemd_preun does.
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --no-reload disable gluster-eventing.service gluster-eventing.socket >/dev/null 2>&1 || :
	if [ -d /run/systemd/system ]; then
		systemctl stop gluster-eventing.socket gluster-eventing.service >/dev/null 2>&1 || :
	fi
fi
exit 0
