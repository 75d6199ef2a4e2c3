#!/usr/bin/env python3
"""Benchmarks that print a table: provider start-up to handshake (with
AutoMTLS, as Terraform starts it), the provider's memory after start-up, and
real Terraform runs against the emulator: apply of a cluster with two
3-node pools, and the cost (time and API calls) of a no-change plan.

    scripts/bench.py [--profile release|dev] [--runs N] [--delay 2s]

Needs what the tests need (cargo, python3, openssl); provides Terraform
through scripts/install-terraform.sh unless $TERRAFORM is set.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

STACK = """
terraform {
  required_providers {
    xelon = { source = "xelon-ag/xelon" }
  }
}

resource "xelon_kubernetes_cluster" "x" {
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "bench"
  talos_version      = "1.9.1"
  kubernetes_version = "1.32.0"
}

resource "xelon_kubernetes_node_pool" "a" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id
  name                  = "a"
  node_count            = 3
}

resource "xelon_kubernetes_node_pool" "b" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id
  name                  = "b"
  node_count            = 3
}
"""


def build(profile):
    args = ["cargo", "build", "--locked", "--bins", "--quiet"]
    if profile == "release":
        args.append("--release")
    subprocess.run(args, cwd=ROOT, check=True)
    return ROOT / "target" / ("release" if profile == "release" else "debug")


def client_cert(tmp):
    """A client certificate shaped like Terraform's (ECDSA P-521, self-signed)."""
    key, cert = tmp / "client.key", tmp / "client.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True)
    return cert.read_text()


def handshake(bindir, pem, runs):
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6",
               PLUGIN_CLIENT_CERT=pem)
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen([str(bindir / "terraform-provider-xelon")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline().decode()
        times.append((time.perf_counter() - start) * 1000)
        assert line.startswith("1|6|tcp|127.0.0.1:") and len(line.split("|")) == 6, line
        for l in Path(f"/proc/{p.pid}/status").read_text().splitlines():
            if l.startswith("VmRSS:"):
                rss.append(int(l.split()[1]) / 1024)
        p.terminate()
        p.wait()
    return times, rss


def terraform_runs(bindir, delay):
    tf = os.environ.get("TERRAFORM") or subprocess.run(
        [str(ROOT / "scripts" / "install-terraform.sh")], check=True, capture_output=True,
        text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        emu = subprocess.Popen([str(bindir / "xelon-emulator"), "--listen", "127.0.0.1:0",
                                "--provision-delay", delay, "--node-delay", delay],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            base = emu.stdout.readline().decode().strip().removeprefix("listening on ")
            root = base.removesuffix("/api/v2/")
            (d / "main.tf").write_text(STACK)
            (d / "rc").write_text('provider_installation {\n  dev_overrides {\n'
                                  f'    "registry.terraform.io/xelon-ag/xelon" = "{bindir}"\n'
                                  '  }\n  direct {}\n}\n')
            env = dict(os.environ, TF_CLI_CONFIG_FILE=str(d / "rc"), XELON_BASE_URL=base,
                       XELON_TOKEN="bench", TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
            env.pop("TF_LOG", None)

            def run(*args):
                start = time.perf_counter()
                r = subprocess.run([tf, *args, "-no-color"], cwd=d, env=env, capture_output=True,
                                   text=True)
                return r, time.perf_counter() - start

            r, apply_s = run("apply", "-auto-approve")
            assert r.returncode == 0, r.stdout + r.stderr
            urllib.request.urlopen(urllib.request.Request(f"{root}/_emulator/requests",
                                                          method="DELETE")).read()
            r, plan_s = run("plan", "-detailed-exitcode")
            assert r.returncode == 0, r.stdout + r.stderr
            calls = json.load(urllib.request.urlopen(f"{root}/_emulator/requests"))
            r, destroy_s = run("destroy", "-auto-approve")
            assert r.returncode == 0, r.stdout + r.stderr
            return apply_s, plan_s, destroy_s, calls
        finally:
            emu.terminate()
            emu.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["release", "dev"], default="release")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--delay", default="2s", help="emulator --provision-delay and --node-delay")
    a = ap.parse_args()
    bindir = build(a.profile)
    with tempfile.TemporaryDirectory() as tmp:
        pem = client_cert(Path(tmp))
        times, rss = handshake(bindir, pem, a.runs)
    apply_s, plan_s, destroy_s, calls = terraform_runs(bindir, a.delay)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"\n## terraform-provider-xelon benchmarks ({a.profile} build, {a.runs} start-ups, emulator delays {a.delay})\n")
    print("| measurement | value |")
    print("| --- | --- |")
    print(f"| start-up to handshake line, AutoMTLS (median / p95 / min) | {statistics.median(times):.1f} / {p95:.1f} / {times[0]:.1f} ms |")
    print(f"| resident memory after start-up (median) | {statistics.median(rss):.1f} MiB |")
    print(f"| `terraform apply`: cluster + two 3-node pools | {apply_s:.2f} s |")
    print(f"| no-change `terraform plan` of that stack | {plan_s:.2f} s |")
    print(f"| API calls made by that plan | {calls['total']} |")
    print(f"| `terraform destroy` of that stack | {destroy_s:.2f} s |")
    print("\nAPI calls of the no-change plan, by route:\n")
    for route, n in sorted(calls["by_route"].items()):
        print(f"- `{route}`: {n}")


if __name__ == "__main__":
    sys.exit(main())
