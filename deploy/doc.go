// Package deploy holds what installs the kiosk and its central server on Debian 12: the systemd
// units (kiosk.service: cage + foot + kiosk on tty1; kiosk-server.service: kiosk serve), foot's
// configuration, the PAM, logind, sysctl, systemd and coredump snippets, the templates of the
// settings files and install.sh; docs/DEPLOY.md tells how to use them. There is no Go code
// here: the tests check these files with the tools that read them (systemd-analyze, foot, bash)
// and check that the locks they promise (no scrollback, no spawning or pasting bindings, no VT
// switching, no core dumps) are in them.
package deploy
