#!/usr/bin/env bash
# Installs the kiosk, or with --server the central server, on Debian 12. Run it as root from a
# copy of the source tree after `go build -o kiosk .`; see docs/DEPLOY.md. Running it again is
# safe: it updates the binary and the files it owns, keeps the settings (kiosk.json, the secret,
# kiosk-server.env) and only corrects their owners and modes.
#
#   deploy/install.sh [--server] [--binary FILE] [--root DIR] [--no-packages]
#
#   --server       install kiosk-server.service (kiosk serve) instead of the kiosk
#   --binary FILE  the kiosk binary to install (default: kiosk at the top of the source tree)
#   --root DIR     install into DIR instead of / (a staging tree or an image): no packages, no
#                  users created (they must be in DIR/etc/passwd and DIR/etc/group), nothing
#                  started; units are enabled with systemctl --root
#   --no-packages  do not install Debian packages (they are already there, or come another way)
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
mode=kiosk
binary=$here/../kiosk
root=
packages=yes

# The Debian packages of the kiosk's display: cage needs xwayland (Debian's cage 0.1.4 will not
# start without it), libgl1-mesa-dri holds the GPU drivers, and logind (libpam-systemd, dbus)
# gives the kiosk user the screen and the keyboard.
kiosk_packages=(cage foot fonts-noto-cjk xwayland libgl1-mesa-dri libpam-systemd dbus)

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --server) mode=server ;;
    --binary) binary=${2:?--binary needs a file}; shift ;;
    --root) root=${2:?--root needs a directory}; shift ;;
    --no-packages) packages=no ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root: not a directory"
  root=$(cd "$root" && pwd)
  packages=no
elif [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0 ...), or give --root DIR to install into a staging tree"
fi
[ -x "$binary" ] || die "$binary: no kiosk binary there; build it first: go build -o kiosk ."

# --- packages and users -----------------------------------------------------------------------

install_packages() {
  local missing=() p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  echo "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# ensure_user NAME: a system user and group NAME without home or login shell.
ensure_user() {
  local name=$1
  if [ -n "$root" ]; then
    grep -q "^$name:" "$root/etc/passwd" 2>/dev/null ||
      die "user $name is not in $root/etc/passwd; with --root, create it in the tree first"
    return
  fi
  if id -u "$name" >/dev/null 2>&1; then
    return
  fi
  echo "creating user $name"
  useradd --system --user-group --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin --comment "$name (kiosk deployment)" "$name"
}

# uid_of NAME, gid_of NAME: numeric ids on the target system (the staging tree's own files with
# --root, whose ids need not match this machine's).
uid_of() {
  if [ "$1" = root ]; then
    echo 0
  elif [ -n "$root" ]; then
    awk -F: -v n="$1" '$1 == n { print $3 }' "$root/etc/passwd"
  else
    id -u "$1"
  fi
}

gid_of() {
  if [ "$1" = root ]; then
    echo 0
  elif [ -n "$root" ]; then
    awk -F: -v n="$1" '$1 == n { print $3 }' "$root/etc/group"
  else
    getent group "$1" | cut -d: -f3
  fi
}

# --- files ------------------------------------------------------------------------------------

# own PATH MODE USER GROUP: sets mode and owner. root's own files are left to whoever runs the
# script when that is not root (a staging tree for a test); their group is still set.
own() {
  local path=$1 mode=$2 user=$3 group=$4
  chmod "$mode" "$path"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$(uid_of "$user"):$(gid_of "$group")" "$path"
  elif [ "$user" != root ]; then
    chown "$(uid_of "$user"):$(gid_of "$group")" "$path"
  elif [ "$group" != root ]; then
    chgrp "$(gid_of "$group")" "$path"
  fi
}

# put SRC DEST MODE USER GROUP: installs SRC as DEST, replacing it in one rename so that a
# process starting meanwhile sees the old file or the new one, never half of one. The copy has
# its mode from the start: a secret is never readable by others, not even for a moment.
put() {
  local src=$1 dest=$root$2
  mkdir -p "$(dirname "$dest")"
  install -m "$3" "$src" "$dest.new"
  own "$dest.new" "$3" "$4" "$5"
  mv -f "$dest.new" "$dest"
}

# keep SRC DEST MODE USER GROUP: installs SRC as DEST only if there is no DEST yet (a setting
# someone edits); an existing one keeps its content and gets the right owner and mode.
keep() {
  local dest=$root$2
  if [ -e "$dest" ]; then
    own "$dest" "$3" "$4" "$5"
  else
    put "$@"
  fi
}

# dir DEST MODE USER GROUP
dir() {
  mkdir -p "$root$1"
  own "$root$1" "$2" "$3" "$4"
}

# --- systemd ----------------------------------------------------------------------------------

systemctl_() {
  if [ -n "$root" ]; then
    systemctl --root="$root" --quiet "$@"
  else
    systemctl --quiet "$@"
  fi
}

# --- the two installations --------------------------------------------------------------------

install_kiosk() {
  if [ "$packages" = yes ]; then
    install_packages "${kiosk_packages[@]}"
  fi
  ensure_user kiosk

  put "$binary" /usr/local/bin/kiosk 0755 root root
  put "$here/kiosk.service" /etc/systemd/system/kiosk.service 0644 root root
  put "$here/pam.d/kiosk" /etc/pam.d/kiosk 0644 root root
  put "$here/logind.conf.d/kiosk.conf" /etc/systemd/logind.conf.d/kiosk.conf 0644 root root
  put "$here/system.conf.d/kiosk.conf" /etc/systemd/system.conf.d/kiosk.conf 0644 root root
  put "$here/coredump.conf.d/kiosk.conf" /etc/systemd/coredump.conf.d/kiosk.conf 0644 root root
  put "$here/sysctl.d/kiosk.conf" /etc/sysctl.d/kiosk.conf 0644 root root
  put "$here/logrotate.d/kiosk" /etc/logrotate.d/kiosk 0644 root root

  # The kiosk reads /etc/kiosk; only root writes it. The secret is the kiosk user's alone: the
  # kiosk refuses a secret file that group or others may read.
  dir /etc/kiosk 0750 root kiosk
  put "$here/foot.ini" /etc/kiosk/foot.ini 0644 root root
  keep "$here/kiosk.json" /etc/kiosk/kiosk.json 0640 root kiosk
  keep /dev/null /etc/kiosk/kiosk.secret 0600 kiosk kiosk

  # Ctrl+Alt+Del does nothing; the kiosk owns tty1, so no login prompt is started there.
  systemctl_ mask ctrl-alt-del.target getty@tty1.service
  systemctl_ enable kiosk.service

  if [ -z "$root" ]; then
    systemctl daemon-reload
    if ! command -v sysctl >/dev/null || ! sysctl -q -p /etc/sysctl.d/kiosk.conf; then
      echo "note: the sysctl settings take effect at the next boot" >&2
    fi
    [ "$(systemctl get-default)" = graphical.target ] || systemctl set-default graphical.target
    if systemctl --quiet is-active kiosk.service; then
      echo "kiosk.service is running; the new binary starts with the next session (or now: systemctl restart kiosk)"
    else
      echo "installed; next: set server, kiosk_id and hall in /etc/kiosk/kiosk.json, put the secret in"
      echo "/etc/kiosk/kiosk.secret, then reboot (the logind and Ctrl+Alt+Del settings need a boot)"
    fi
  fi
}

install_server() {
  ensure_user kiosk-server

  put "$binary" /usr/local/bin/kiosk 0755 root root
  put "$here/kiosk-server.service" /etc/systemd/system/kiosk-server.service 0644 root root
  dir /etc/kiosk-server 0750 root kiosk-server
  keep "$here/kiosk-server.env" /etc/kiosk-server/kiosk-server.env 0640 root kiosk-server

  systemctl_ enable kiosk-server.service
  if [ -z "$root" ]; then
    systemctl daemon-reload
    systemctl restart kiosk-server.service
    echo "kiosk-server.service (re)started; settings: /etc/kiosk-server/kiosk-server.env"
  fi
}

case $mode in
  kiosk) install_kiosk ;;
  server) install_server ;;
esac
