#!/usr/bin/env bash
# The newcomer's tour against the embedded sandbox marketplace (never a real one):
# validate the example specs, plan, apply (cancellations go from pending approval
# through approval to completed while --wait follows them), then plan again: nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBCTL=".venv/bin/subctl"
export SUBCTL_API_URL=sandbox   # explicit, so the demo also runs where CI is set

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting from a fresh sandbox (.subctl/sandbox.db, seeded with the demo set)"
rm -f .subctl/sandbox.db .subctl/journal.jsonl

step "subctl validate specs/"
"$SUBCTL" validate specs/

step "subctl plan specs/   (what would change; exit 2 = changes with --detailed-exitcode)"
set +e
"$SUBCTL" plan specs/ --detailed-exitcode
code=$?
set -e
echo "(plan exit code: $code)"

step "subctl apply specs/ --yes --wait 60s   (the sandbox vendor completes approved cancellations after 5s)"
"$SUBCTL" apply specs/ --yes --wait 60s --journal .subctl/journal.jsonl

step "The journal: one line per write (.subctl/journal.jsonl)"
cat .subctl/journal.jsonl

step "subctl plan specs/ again: live state now matches git"
"$SUBCTL" plan specs/ --detailed-exitcode
echo "(plan exit code: 0 = nothing to do)"
