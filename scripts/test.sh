#!/usr/bin/env bash
# The project's test command (the README's second command; CI runs it through .ci/run):
# formatting, go vet, every test, then a short run of every fuzz target.
#   FUZZTIME=1000000x scripts/test.sh   fuzz longer (executions per target)
#   FUZZTIME=0 scripts/test.sh          skip fuzzing
# The budget is a count of executions, not a duration: with a duration, Go's fuzzing coordinator
# can race its own deadline and fail with "context deadline exceeded" on a busy machine without
# having found anything (golang/go#75804). A count has no deadline to race.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8 RUNEWIDTH_EASTASIAN=0
fuzztime=${FUZZTIME:-200000x}

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files (run gofmt -w on them):"
  echo "$unformatted"
  exit 1
fi

step "go vet"
go vet ./...

step "go test"
go test -count=1 ./...

if [ "$fuzztime" != "0" ]; then
  for pkg in $(go list ./...); do
    for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
      step "fuzz $pkg $target ($fuzztime)"
      go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"
    done
  done
fi
echo
echo "all checks passed"
