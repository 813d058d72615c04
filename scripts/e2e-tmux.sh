#!/usr/bin/env bash
# The end-to-end test on its own: builds the kiosk, starts a payment channel simulator
# (`kiosk channel-sim`, SM2) and `kiosk serve --channels` with imported demo data, runs the kiosk
# in an 80x24 tmux pane and plays a driver at the keys (identify, a refused selection with its
# reason, process, pay by QR read off the pane and paid at the channel, which sends the server
# its signed notice; the receipt with the decision and the channel's transaction id; Ctrl+C
# ignored, idle wipe). `go test ./...` (and so CI) runs the same test; this script is for
# watching it alone. Needs tmux (apt-get install tmux).
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8 RUNEWIDTH_EASTASIAN=0
exec go test -count=1 -v ./e2e -run 'TestKioskInTmux' "$@"
