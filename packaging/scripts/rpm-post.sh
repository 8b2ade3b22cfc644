# %post of gluster-eventing (RPM); $1 is the number of installed instances
# (1 = install, 2 = upgrade). What %systemd_post does: the preset decides
# whether the unit is enabled (Fedora and RHEL presets leave new services
# disabled: systemctl enable --now gluster-eventing). /var/lib/gluster-eventing
# is in the file list. Works where systemd is not PID 1.
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --no-reload preset gluster-eventing.service gluster-eventing.socket >/dev/null 2>&1 || :
fi
exit 0
