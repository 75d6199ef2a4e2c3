#!/usr/bin/env bash
# The main job: the quickstart as a new user would run it, offline.
#
#  1. build the provider and the emulator;
#  2. start xelon-emulator on a free loopback port;
#  3. provide a Terraform CLI if none is set ($TERRAFORM);
#  4. terraform init, plan and apply examples/quickstart through a CLI config;
#  5. show the outputs, then a second plan that must report no changes;
#  6. destroy, and stop the emulator (also when a step fails).
#
# Env: PROVISION_DELAY / NODE_DELAY (default 2s) for the emulator,
#      KEEP=1 to keep the working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Building the provider and the emulator"
cargo build --locked --workspace --bins --quiet
# cargo's target directory (it honours CARGO_TARGET_DIR and .cargo/config.toml).
target_dir=$(cargo metadata --locked --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/debug"

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  status=$?
  if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [[ "${KEEP:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
  if [[ $status -ne 0 ]]; then echo "quickstart FAILED (exit $status)" >&2; fi
  exit $status
}
trap cleanup EXIT

step "Starting xelon-emulator"
mkfifo "$work/emulator.out"
"$bin/xelon-emulator" --listen 127.0.0.1:0 \
  --provision-delay "${PROVISION_DELAY:-2s}" --node-delay "${NODE_DELAY:-2s}" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
read -r banner <"$work/emulator.out"
base_url=${banner#listening on }
echo "$banner"

step "Providing Terraform"
TERRAFORM=$(scripts/install-terraform.sh)
"$TERRAFORM" version 2>/dev/null | sed -n 1p

cp -r examples/quickstart "$work/stack"
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/xelon-ag/xelon" = "$bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export XELON_BASE_URL="$base_url" XELON_TOKEN="quickstart-token"
tf() { (cd "$work/stack" && "$TERRAFORM" "$@"); }

step "terraform init"
tf init -no-color
step "terraform plan"
tf plan -no-color -out=tfplan
step "terraform apply"
start=$(date +%s%N)
tf apply -no-color tfplan
echo "apply took $(( ($(date +%s%N) - start) / 1000000 )) ms"
step "terraform output"
tf output -no-color
step "terraform plan (must show no changes)"
tf plan -no-color -detailed-exitcode
step "terraform destroy"
tf destroy -no-color -auto-approve
step "Done: applied, re-planned with no changes, destroyed"
