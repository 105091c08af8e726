#!/usr/bin/env bash
# The newcomer's tour: validate the example specs (plan/apply join once the reconciler lands).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/subctl --version
