#!/usr/bin/env python3
"""Benchmarks of terraform-provider-xelon, from one run, each measure beside
its baseline and as a ratio:

1. start-up: exec to handshake line, plain (no PLUGIN_CLIENT_CERT) and with
   AutoMTLS (a P-521 client certificate, as Terraform sends), median and
   range over --runs, resident memory (VmRSS) at the handshake, and the
   AutoMTLS minus plain difference;
2. no-change `terraform plan` of N clusters x 3 pools (--sizes) against the
   floor: the same plan of N*4 `terraform_data` resources, i.e. what
   Terraform itself costs; with the API calls of each plan (the emulator's
   /_emulator/requests, reset before the plan), per cluster and per pool;
3. the largest no-change plan against an emulator started with --latency
   (20ms), against the limit floor + calls x latency / 10 (Terraform's
   default parallelism is 10);
4. lag to ready: apply of one cluster, and of one cluster with 2 pools, with
   the emulator's --provision-delay and --node-delay (2s), minus the delays
   and minus the floor (a `terraform_data` apply of the same count);
5. peak memory (VmHWM) of the provider process(es) during the largest plan,
   polled from /proc every 20 ms in separate, untimed plans.

Terraform figures are medians of --repeat runs. The tables end with the
goals and whether each is met. --json FILE (or - for stdout, the tables then
go to stderr) writes the same figures, with the raw samples, for comparing
commits.

    scripts/bench.py [--profile release|dev] [--runs 20] [--repeat 3]
                     [--sizes 1,10,50] [--latency 20ms] [--delay 2s]
                     [--nodes 1] [--json FILE|-] [--no-build]

Needs cargo, python3 and openssl; Terraform comes from $TERRAFORM, else from
scripts/install-terraform.sh. The binaries are copied into a private temp
directory after the build, so a concurrent rebuild of target/ cannot change
them mid-run. Everything runs on loopback; emulators, Terraform, providers
and temp directories are cleaned up on success, failure or Ctrl-C.
"""
import argparse
import contextlib
import datetime
import json
import os
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROVIDER = "terraform-provider-xelon"
EMULATOR = "xelon-emulator"
TF_PARALLELISM = 10  # Terraform's default -parallelism
SETUP_PARALLELISM = 32  # for the untimed set-up applies
POOLS_PER_CLUSTER = 3
PLAN_TIMEOUT = 300  # seconds, any one Terraform command
APPLY_TIMEOUT = 900
HANDSHAKE_TIMEOUT = 20
POLL = 0.02  # seconds between /proc samples
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy

GOALS = {
    "latency_ratio": 1.2,
    "mtls_minus_plain_ms": 1.0,
    "lag_one_s": 0.5,
    "lag_pools_s": 0.8,
    "calls_per_cluster": 3,
    "calls_per_pool": 1,
    "peak_rss_mib": 16.0,
}

HEADER = """terraform {
  required_providers {
    xelon = { source = "xelon-ag/xelon" }
  }
}
"""

CLUSTERS = """
resource "xelon_kubernetes_cluster" "c" {
  count              = @CLUSTERS@
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "@PREFIX@-${count.index}"
  talos_version      = "1.9.1"
  kubernetes_version = "1.32.0"
}
"""

POOLS = """
resource "xelon_kubernetes_node_pool" "p" {
  count                 = @POOLS@
  kubernetes_cluster_id = xelon_kubernetes_cluster.c[floor(count.index / @PER@)].id
  name                  = "p${count.index % @PER@}"
  node_count            = @NODES@
}
"""

FLOOR = """resource "terraform_data" "r" {
  count = @COUNT@
  input = "r${count.index}"
}
"""


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fill(template, **values):
    for k, v in values.items():
        template = template.replace(f"@{k}@", str(v))
    return template


def xelon_hcl(clusters, pools_per_cluster, nodes, prefix):
    text = HEADER + fill(CLUSTERS, CLUSTERS=clusters, PREFIX=prefix)
    if pools_per_cluster:
        text += fill(POOLS, POOLS=clusters * pools_per_cluster, PER=pools_per_cluster, NODES=nodes)
    return text


def floor_hcl(count):
    return fill(FLOOR, COUNT=count)


def seconds(text):
    """'20ms', '2s', '1.5s', '1m' -> seconds (float)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 20ms, 2s)")
    return float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(2)]


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": samples}


# --------------------------------------------------------------------------
# processes


def read_line(fd, deadline, what):
    """The first line a child writes on `fd`, waiting until `deadline`."""
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{what}: no line within the time limit (got {buf[:200]!r})")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"{what}: exited before its first line (got {buf[:200]!r})")
            buf += chunk
    return buf.split(b"\n", 1)[0].decode()


def stop(p, grace=5):
    """Stops a child we started (by its own handle), TERM then KILL."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for s in (p.stdin, p.stdout, p.stderr):
        if s:
            s.close()


def proc_status(pid):
    """VmRSS and VmHWM of a process, in KiB (None when it is gone)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line[:5]] = int(line.split()[1])
    except OSError:
        return None
    return out


def providers(exe, cwd):
    """PIDs of running processes whose exe is `exe` and whose cwd is `cwd`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/exe").removesuffix(" (deleted)") != exe:
                continue
            if os.readlink(f"/proc/{name}/cwd") != cwd:
                continue
        except OSError:
            continue
        found.append(int(name))
    return found


def cpu_busy_seconds():
    """CPU seconds the whole machine spent busy since boot (all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already counted in user/nice
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


# --------------------------------------------------------------------------
# build, Terraform, emulator


def build(profile, skip):
    """Builds the provider and the emulator (the whole workspace's binaries);
    returns the directory holding them, in cargo's target directory (which
    honours CARGO_TARGET_DIR)."""
    if not skip:
        args = ["cargo", "build", "--locked", "--workspace", "--bins", "--quiet"]
        if profile == "release":
            args.append("--release")
        subprocess.run(args, cwd=ROOT, check=True)
    meta = json.loads(subprocess.run(["cargo", "metadata", "--locked", "--no-deps", "--format-version", "1"],
                                     cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return Path(meta["target_directory"]) / ("release" if profile == "release" else "debug")


def terraform():
    if os.environ.get("TERRAFORM"):
        return os.environ["TERRAFORM"]
    return subprocess.run([str(ROOT / "scripts" / "install-terraform.sh")], check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]


def git_info():
    def git(*args):
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout if r.returncode == 0 else None
    status = git("status", "--porcelain", "--untracked-files=no")
    # uncommitted changes the binaries may have been built from (not this script's own)
    changed = [line[3:] for line in (status or "").splitlines()
               if not re.fullmatch(r"scripts/bench[^/]*\.py", line[3:])]
    commit = git("rev-parse", "HEAD")
    return {"commit": commit.strip() if commit else None, "dirty": bool(changed),
            "changed_files": changed}


def sha256(path):
    import hashlib
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Emulator:
    def __init__(self, bindir, *flags):
        self.flags = list(flags)
        self.p = subprocess.Popen([str(bindir / EMULATOR), "--listen", "127.0.0.1:0", *flags],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        try:
            line = read_line(self.p.stdout.fileno(), time.monotonic() + 30, EMULATOR)
            self.base = line.strip().removeprefix("listening on ")
            if not self.base.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"unexpected first line from {EMULATOR}: {line!r}")
            self.root = self.base.removesuffix("/api/v2/")
        except BaseException:
            stop(self.p)
            raise

    def admin(self, method, path):
        req = urllib.request.Request(f"{self.root}/_emulator/{path}", method=method)
        with DIRECT.open(req, timeout=30) as r:
            return json.load(r)

    def reset_requests(self):
        self.admin("DELETE", "requests")

    def requests(self):
        return self.admin("GET", "requests")

    def close(self):
        stop(self.p)


class Workspace:
    """A Terraform working directory with its own configuration."""

    def __init__(self, tf, parent, name, env, hcl):
        self.tf, self.env = tf, env
        self.dir = (parent / name).resolve()
        self.dir.mkdir()
        (self.dir / "main.tf").write_text(hcl)
        self.log = parent / f"{name}.log"

    def write(self, hcl):
        (self.dir / "main.tf").write_text(hcl)

    def forget_state(self):
        for f in ("terraform.tfstate", "terraform.tfstate.backup"):
            (self.dir / f).unlink(missing_ok=True)

    def run(self, *args, timeout=PLAN_TIMEOUT, ok=(0,), sample=None):
        """Runs Terraform, returns its wall time in seconds. With `sample`, calls
        it every POLL seconds while Terraform runs (the time is then coarse)."""
        with open(self.log, "w") as out:
            start = time.perf_counter()
            p = subprocess.Popen([self.tf, *args, "-no-color", "-input=false"], cwd=self.dir,
                                 env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT)
            timer = threading.Timer(timeout, p.kill)
            timer.start()
            try:
                if sample is None:
                    p.wait()
                else:
                    while p.poll() is None:
                        sample()
                        time.sleep(POLL)
                elapsed = time.perf_counter() - start
            finally:
                timer.cancel()
                if p.poll() is None:
                    p.kill()
                    p.wait()
        if p.returncode not in ok:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])
            why = f"killed after {timeout} s" if p.returncode == -signal.SIGKILL else f"exit {p.returncode}"
            raise RuntimeError(f"terraform {' '.join(args)} in {self.dir.name}: {why}\n{tail}")
        return elapsed

    def plan(self, **kw):
        # -detailed-exitcode: 0 = no changes; 2 (changes) is an error here
        return self.run("plan", "-detailed-exitcode", **kw)

    def apply(self, parallelism=None, timeout=APPLY_TIMEOUT):
        extra = [f"-parallelism={parallelism}"] if parallelism else []
        return self.run("apply", "-auto-approve", *extra, timeout=timeout)


# --------------------------------------------------------------------------
# measures


def startup(bindir, pem, runs):
    """Exec to handshake line and VmRSS at the handshake, plain and AutoMTLS,
    interleaved (one warm-up of each first, not counted)."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("TF_", "PLUGIN_", "XELON_"))}
    base.update(TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6")
    envs = {"plain": base, "automtls": dict(base, PLUGIN_CLIENT_CERT=pem)}
    res = {m: {"ms": [], "rss_mib": []} for m in envs}
    for i in range(runs + 1):
        # pairs, in alternating order, so that load and caches hit both alike
        for mode in (("plain", "automtls") if i % 2 else ("automtls", "plain")):
            env = envs[mode]
            start = time.perf_counter()
            p = subprocess.Popen([str(bindir / PROVIDER)], env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                line = read_line(p.stdout.fileno(), time.monotonic() + HANDSHAKE_TIMEOUT, PROVIDER)
                ms = (time.perf_counter() - start) * 1000
                st = proc_status(p.pid)
            finally:
                stop(p)
            parts = line.split("|")
            if parts[:3] != ["1", "6", "tcp"] or not parts[3].startswith("127.0.0.1:"):
                raise RuntimeError(f"{mode}: unexpected handshake line {line!r}")
            has_cert = len(parts) >= 6 and parts[5] != ""
            if has_cert != (mode == "automtls"):
                raise RuntimeError(f"{mode}: handshake line {'has' if has_cert else 'lacks'} a server certificate")
            if i and st:
                res[mode]["ms"].append(ms)
                res[mode]["rss_mib"].append(st["VmRSS"] / 1024)
    out = {}
    for mode, r in res.items():
        out[mode] = {"ms": summary(r["ms"]), "rss_mib": summary(r["rss_mib"])}
    out["automtls_minus_plain_ms"] = out["automtls"]["ms"]["median"] - out["plain"]["ms"]["median"]
    # less sensitive to a busy machine than the medians
    out["automtls_minus_plain_min_ms"] = out["automtls"]["ms"]["min"] - out["plain"]["ms"]["min"]
    out["automtls_over_plain"] = out["automtls"]["ms"]["median"] / out["plain"]["ms"]["median"]
    out["automtls_minus_plain_rss_mib"] = (out["automtls"]["rss_mib"]["median"]
                                           - out["plain"]["rss_mib"]["median"])
    return out


def client_cert(tmp):
    """A client certificate shaped like Terraform's (ECDSA P-521, self-signed)."""
    key, cert = tmp / "client.key", tmp / "client.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True)
    return cert.read_text()


def split_calls(by_route):
    """API calls of a refresh, split into cluster calls and pool calls."""
    pool = sum(n for route, n in by_route.items() if "/pools" in route)
    return sum(by_route.values()) - pool, pool


def measured_plans(emu, ws, floor, repeat):
    """`repeat` no-change plans of `ws` (API calls counted for each),
    interleaved with plans of `floor`; one untimed warm-up of each."""
    ws.plan()
    floor.plan()
    times, floors, calls = [], [], []
    for _ in range(repeat):
        emu.reset_requests()
        times.append(ws.plan())
        calls.append(emu.requests())
        floors.append(floor.plan())
    totals = [c["total"] for c in calls]
    median_run = calls[totals.index(sorted(totals)[(len(totals) - 1) // 2])]
    return times, floors, totals, median_run


def plan_size(bindir, tf, tmp, env, n, repeat, rss=False):
    """Set-up apply of n clusters x 3 pools (delays 0), then timed no-change
    plans against the terraform_data floor; optionally the provider's memory."""
    emu = Emulator(bindir, "--provision-delay", "0s", "--node-delay", "0s")
    try:
        wenv = dict(env, XELON_BASE_URL=emu.base)
        ws = Workspace(tf, tmp, f"plan-{n}", wenv, xelon_hcl(n, POOLS_PER_CLUSTER, 1, f"bench{n}"))
        floor = Workspace(tf, tmp, f"floor-{n}", wenv, floor_hcl(n * (1 + POOLS_PER_CLUSTER)))
        t0 = time.perf_counter()
        ws.apply(parallelism=SETUP_PARALLELISM)
        floor.apply(parallelism=SETUP_PARALLELISM)
        log(f"  N={n}: set-up applies took {time.perf_counter() - t0:.1f} s")
        times, floors, totals, calls = measured_plans(emu, ws, floor, repeat)
        cluster_calls, pool_calls = split_calls(calls["by_route"])
        t, f = statistics.median(times), statistics.median(floors)
        out = {
            "clusters": n, "pools": n * POOLS_PER_CLUSTER, "resources": n * (1 + POOLS_PER_CLUSTER),
            "plan_s": summary(times), "floor_s": summary(floors),
            "ratio": t / f, "over_floor_s": t - f,
            "calls": statistics.median(totals), "calls_samples": totals,
            "calls_per_cluster": cluster_calls / n,
            "calls_per_pool": pool_calls / (n * POOLS_PER_CLUSTER),
            "by_route": calls["by_route"],
        }
        if rss:
            out["peak_rss"] = peak_rss(bindir, ws, repeat)
        return out
    finally:
        emu.close()


def peak_rss(bindir, ws, repeat):
    """Peak VmHWM/VmRSS of the provider processes during `repeat` untimed
    no-change plans, polled from /proc every POLL seconds."""
    exe, cwd = str((bindir / PROVIDER).resolve()), str(ws.dir)
    runs = []
    for _ in range(repeat):
        seen = {}

        def sample():
            for pid in providers(exe, cwd):
                st = proc_status(pid)
                if st:
                    prev = seen.get(pid, {"VmRSS": 0, "VmHWM": 0, "samples": 0})
                    seen[pid] = {"VmRSS": max(prev["VmRSS"], st.get("VmRSS", 0)),
                                 "VmHWM": max(prev["VmHWM"], st.get("VmHWM", 0)),
                                 "samples": prev["samples"] + 1}

        ws.plan(sample=sample)
        if not seen:
            raise RuntimeError("no provider process seen during the plan")
        runs.append({
            "hwm_mib": max(v["VmHWM"] for v in seen.values()) / 1024,
            "rss_mib": max(v["VmRSS"] for v in seen.values()) / 1024,
            "processes": len(seen),
            "samples": sum(v["samples"] for v in seen.values()),
        })
    hwm = [r["hwm_mib"] for r in runs]
    return {"hwm_mib": summary(hwm), "rss_mib": summary([r["rss_mib"] for r in runs]),
            "processes": [r["processes"] for r in runs], "samples": [r["samples"] for r in runs]}


def latency_plan(bindir, tf, tmp, env, n, latency, floor_s, repeat):
    """The n-cluster no-change plan against an emulator started with
    --latency, against floor + calls x latency / Terraform's parallelism."""
    emu = Emulator(bindir, "--provision-delay", "0s", "--node-delay", "0s",
                   "--latency", f"{round(latency * 1000)}ms")
    try:
        ws = Workspace(tf, tmp, f"latency-{n}", dict(env, XELON_BASE_URL=emu.base),
                       xelon_hcl(n, POOLS_PER_CLUSTER, 1, f"lat{n}"))
        t0 = time.perf_counter()
        ws.apply(parallelism=SETUP_PARALLELISM)
        log(f"  N={n} at {latency * 1000:.0f} ms: set-up apply took {time.perf_counter() - t0:.1f} s")
        ws.plan()
        times, totals = [], []
        for _ in range(repeat):
            emu.reset_requests()
            times.append(ws.plan())
            calls = emu.requests()
            totals.append(calls["total"])
        total = statistics.median(totals)
        limit = floor_s + total * latency / TF_PARALLELISM
        t = statistics.median(times)
        return {"clusters": n, "latency_ms": latency * 1000, "plan_s": summary(times),
                "floor_s": floor_s, "calls": total, "calls_samples": totals,
                "delayed": calls.get("delayed"), "limit_s": limit, "ratio": t / limit,
                "formula": f"limit = floor + calls x {latency * 1000:.0f} ms / {TF_PARALLELISM}"}
    finally:
        emu.close()


def lag(bindir, tf, tmp, env, delay, nodes, repeat):
    """Apply of one cluster, and of one cluster with 2 pools, at `delay`
    provisioning, minus the delays and a terraform_data apply of the same count.
    Each repeat starts from an empty state with fresh names."""
    d = f"{round(delay * 1000)}ms"
    emu = Emulator(bindir, "--provision-delay", d, "--node-delay", d)
    try:
        wenv = dict(env, XELON_BASE_URL=emu.base)
        stacks = {
            "one_cluster": {"pools": 0, "delays_s": delay,
                            "formula": f"lag = apply - {delay:g} s (cluster) - floor"},
            "cluster_2_pools": {"pools": 2, "delays_s": 2 * delay,
                                "formula": f"lag = apply - {delay:g} s (cluster) - {delay:g} s (pools) - floor"},
        }
        ws, floors = {}, {}
        for name, s in stacks.items():
            ws[name] = Workspace(tf, tmp, f"lag-{name}", wenv, "")
            floors[name] = Workspace(tf, tmp, f"lag-floor-{name}", wenv, floor_hcl(1 + s["pools"]))
            s["apply"], s["floor"] = [], []
        for r in range(repeat):
            for name, s in stacks.items():
                w, f = ws[name], floors[name]
                w.forget_state()
                w.write(xelon_hcl(1, s["pools"], nodes, f"lag-{name.replace('_', '-')}-{r}"))
                s["apply"].append(w.apply(timeout=PLAN_TIMEOUT))
                f.forget_state()
                s["floor"].append(f.apply(timeout=PLAN_TIMEOUT))
        out = {}
        for name, s in stacks.items():
            a, f = statistics.median(s["apply"]), statistics.median(s["floor"])
            out[name] = {"pools": s["pools"], "nodes_per_pool": nodes if s["pools"] else 0,
                         "apply_s": summary(s["apply"]), "floor_s": summary(s["floor"]),
                         "delays_s": s["delays_s"], "lag_s": a - s["delays_s"] - f,
                         "formula": s["formula"]}
        return out
    finally:
        emu.close()


# --------------------------------------------------------------------------
# report


def report(r, out):
    def p(line=""):
        print(line, file=out)

    m = r["meta"]
    ms = lambda x: f"{x:.1f} ms"
    s = lambda x: f"{x:.2f} s"
    rng = lambda d, f: f"{f(d['min'])} – {f(d['max'])}"
    commit = (m["commit"] or "?")[:12] + (" + uncommitted changes" if m["dirty"] else "")
    p(f"\n## terraform-provider-xelon benchmarks ({m['profile']} build, {commit})\n")
    p(f"Terraform {m['terraform_version']}; {m['runs']} start-ups per mode; Terraform figures are "
      f"medians of {m['repeat']} runs (range in brackets); {m['nproc']} CPUs.\n")

    st = r["startup"]
    p("### 1. Start-up: exec to handshake line\n")
    p("| | plain | AutoMTLS (P-521) | AutoMTLS − plain | AutoMTLS / plain |")
    p("| --- | --- | --- | --- | --- |")
    pl, mt = st["plain"], st["automtls"]
    p(f"| median | {ms(pl['ms']['median'])} | {ms(mt['ms']['median'])} | "
      f"{st['automtls_minus_plain_ms']:+.2f} ms | {st['automtls_over_plain']:.2f} |")
    p(f"| range (min – max) | {rng(pl['ms'], ms)} | {rng(mt['ms'], ms)} | "
      f"{st['automtls_minus_plain_min_ms']:+.2f} ms (of the minimums) | |")
    p(f"| RSS at handshake (median) | {pl['rss_mib']['median']:.1f} MiB | "
      f"{mt['rss_mib']['median']:.1f} MiB | {st['automtls_minus_plain_rss_mib']:+.2f} MiB | "
      f"{mt['rss_mib']['median'] / pl['rss_mib']['median']:.2f} |")

    p("\n### 2. No-change `terraform plan`, N clusters x 3 pools (1 node each)\n")
    p("floor = no-change plan of N x 4 `terraform_data` resources (what Terraform itself costs); "
      "API calls from `/_emulator/requests`, reset before each plan.\n")
    p("| N | resources | plan | floor | plan / floor | plan − floor | API calls | per cluster | per pool |")
    p("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for x in r["plan"]:
        calls = f"{x['calls']:g}"
        if min(x["calls_samples"]) != max(x["calls_samples"]):
            calls += f" ({min(x['calls_samples'])} – {max(x['calls_samples'])})"
        p(f"| {x['clusters']} | {x['resources']} | {s(x['plan_s']['median'])} [{rng(x['plan_s'], s)}] | "
          f"{s(x['floor_s']['median'])} [{rng(x['floor_s'], s)}] | {x['ratio']:.2f} | "
          f"{x['over_floor_s']:+.2f} s | {calls} | {x['calls_per_cluster']:.2f} | {x['calls_per_pool']:.2f} |")
    big = r["plan"][-1]
    p(f"\nAPI calls of the N={big['clusters']} plan, by route: "
      + ", ".join(f"`{k}` {v}" for k, v in sorted(big["by_route"].items())))

    la = r["latency"]
    p(f"\n### 3. N={la['clusters']} no-change plan, emulator `--latency {la['latency_ms']:.0f}ms`\n")
    p(f"{la['formula']} (Terraform's default parallelism); floor from table 2.\n")
    p("| N | plan | floor | API calls | limit | plan / limit |")
    p("| --- | --- | --- | --- | --- | --- |")
    p(f"| {la['clusters']} | {s(la['plan_s']['median'])} [{rng(la['plan_s'], s)}] | {s(la['floor_s'])} | "
      f"{la['calls']:g} | {s(la['limit_s'])} | {la['ratio']:.2f} |")

    lg = r["lag"]
    p(f"\n### 4. Lag to ready: apply at `--provision-delay {m['delay_s']:g}s --node-delay {m['delay_s']:g}s`\n")
    p("floor = `terraform_data` apply of the same number of resources, from an empty state.\n")
    p("| stack | apply | floor | delays | lag to ready | formula |")
    p("| --- | --- | --- | --- | --- | --- |")
    for name, label in (("one_cluster", "one cluster"),
                        ("cluster_2_pools", f"cluster + 2 pools ({m['nodes']} node{'s' if m['nodes'] > 1 else ''} each)")):
        x = lg[name]
        p(f"| {label} | {s(x['apply_s']['median'])} [{rng(x['apply_s'], s)}] | "
          f"{s(x['floor_s']['median'])} | {x['delays_s']:g} s | {s(x['lag_s'])} | {x['formula']} |")

    pr = big["peak_rss"]
    p(f"\n### 5. Provider memory during the N={big['clusters']} no-change plan\n")
    p(f"Polled every {POLL * 1000:.0f} ms from /proc (processes running the benchmark's provider binary "
      f"in the plan's directory), in {m['repeat']} untimed plans; "
      f"{'/'.join(map(str, pr['processes']))} provider process(es) per plan.\n")
    p("| measure | median | range |")
    p("| --- | --- | --- |")
    mib = lambda x: f"{x:.1f} MiB"
    p(f"| peak VmHWM | {mib(pr['hwm_mib']['median'])} | {rng(pr['hwm_mib'], mib)} |")
    p(f"| peak VmRSS sampled | {mib(pr['rss_mib']['median'])} | {rng(pr['rss_mib'], mib)} |")

    p("\n### Goals\n")
    p("| measure | value | goal | met |")
    p("| --- | --- | --- | --- |")
    for g in r["goals"]:
        p(f"| {g['measure']} | {g['value_text']} | {g['goal_text']} | {'yes' if g['met'] else '**no**'} |")

    p(f"\nWall time: {m['bench_s']:.0f} s measuring, {m['build_s']:.0f} s building, {m['wall_s']:.0f} s in all. "
      f"Load average {m['loadavg_start'][0]:.2f} at the start, {m['loadavg_end'][0]:.2f} at the end; "
      f"other processes used {m['other_cpu_s']:.0f} CPU-s while this measured "
      f"({m['other_cpu_share'] * 100:.0f}% of the machine).")
    if m["other_cpu_share"] > 0.15:
        p("**The machine was busy with other work during the run: the figures are noisy.**")


def goals(r):
    big, la, lg, st = r["plan"][-1], r["latency"], r["lag"], r["startup"]
    per_cluster = max(x["calls_per_cluster"] for x in r["plan"])
    per_pool = max(x["calls_per_pool"] for x in r["plan"])
    d = r["meta"]["delay_s"]
    return [
        {"key": "latency_ratio", "measure": f"N={la['clusters']} no-change plan at {la['latency_ms']:.0f} ms latency / limit",
         "value": la["ratio"], "value_text": f"{la['ratio']:.2f}", "goal_text": f"at most {GOALS['latency_ratio']}",
         "met": la["ratio"] <= GOALS["latency_ratio"]},
        {"key": "mtls_minus_plain_ms", "measure": "AutoMTLS start-up minus plain start-up",
         "value": st["automtls_minus_plain_ms"], "value_text": f"{st['automtls_minus_plain_ms']:.2f} ms",
         "goal_text": f"at most {GOALS['mtls_minus_plain_ms']:g} ms",
         "met": st["automtls_minus_plain_ms"] <= GOALS["mtls_minus_plain_ms"]},
        {"key": "lag_one_s", "measure": f"lag to ready, one cluster at {d:g} s provisioning",
         "value": lg["one_cluster"]["lag_s"], "value_text": f"{lg['one_cluster']['lag_s']:.2f} s",
         "goal_text": f"at most {GOALS['lag_one_s']} s", "met": lg["one_cluster"]["lag_s"] <= GOALS["lag_one_s"]},
        {"key": "lag_pools_s", "measure": f"lag to ready, cluster + 2 pools at {d:g} s",
         "value": lg["cluster_2_pools"]["lag_s"], "value_text": f"{lg['cluster_2_pools']['lag_s']:.2f} s",
         "goal_text": f"at most {GOALS['lag_pools_s']} s",
         "met": lg["cluster_2_pools"]["lag_s"] <= GOALS["lag_pools_s"]},
        {"key": "calls_per_refresh", "measure": "API calls per no-change refresh, cluster / pool (worst N)",
         "value": [per_cluster, per_pool], "value_text": f"{per_cluster:g} / {per_pool:g}",
         "goal_text": f"{GOALS['calls_per_cluster']} / {GOALS['calls_per_pool']}",
         "met": per_cluster <= GOALS["calls_per_cluster"] and per_pool <= GOALS["calls_per_pool"]},
        {"key": "peak_rss_mib", "measure": f"peak provider RSS (VmHWM), N={big['clusters']} plan",
         "value": big["peak_rss"]["hwm_mib"]["median"],
         "value_text": f"{big['peak_rss']['hwm_mib']['median']:.1f} MiB",
         "goal_text": f"at most {GOALS['peak_rss_mib']:g} MiB",
         "met": big["peak_rss"]["hwm_mib"]["median"] <= GOALS["peak_rss_mib"]},
    ]


# --------------------------------------------------------------------------


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the clean-ups


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["release", "dev"], default="release")
    ap.add_argument("--runs", type=int, default=20, help="start-ups per mode (default 20)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each Terraform measurement, the median is reported (default 3)")
    ap.add_argument("--sizes", default="1,10,50", help="cluster counts of the plan measurements (default 1,10,50)")
    ap.add_argument("--latency", type=seconds, default="20ms",
                    help="emulator --latency for the largest plan (default 20ms)")
    ap.add_argument("--delay", type=seconds, default="2s",
                    help="emulator --provision-delay and --node-delay for the lag measurements (default 2s)")
    ap.add_argument("--nodes", type=int, default=1, help="nodes per pool in the lag measurement (default 1)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE (- for stdout)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already in target/")
    a = ap.parse_args()
    try:
        sizes = sorted({int(x) for x in a.sizes.split(",") if x.strip()})
    except ValueError:
        ap.error(f"--sizes: not a list of numbers: {a.sizes!r}")
    if not sizes or sizes[0] < 1 or a.runs < 1 or a.repeat < 1 or a.nodes < 1:
        ap.error("--sizes, --runs, --repeat and --nodes must be at least 1")
    out = sys.stderr if a.json == "-" else sys.stdout
    signal.signal(signal.SIGTERM, on_sigterm)

    started = time.perf_counter()
    log(f"building ({a.profile})")
    built = build(a.profile, a.no_build)
    build_s = time.perf_counter() - started
    tf = terraform()
    tf_version = json.loads(subprocess.run([tf, "version", "-json"], capture_output=True, text=True,
                                           env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null"),
                                           check=True).stdout).get("terraform_version")

    with tempfile.TemporaryDirectory(prefix="xelon-bench-") as tmp:
        tmp = Path(tmp).resolve()
        try:
            # private copies: a concurrent `cargo build` cannot swap them mid-run
            bindir = tmp / "bin"
            bindir.mkdir()
            for b in (PROVIDER, EMULATOR):
                shutil.copy2(built / b, bindir / b)
            provider_sha = sha256(bindir / PROVIDER)
            (tmp / "rc").write_text('provider_installation {\n  dev_overrides {\n'
                                    f'    "registry.terraform.io/xelon-ag/xelon" = "{bindir}"\n'
                                    '  }\n  direct {}\n}\n')
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TF_", "XELON_", "PLUGIN_"))}
            env.update(TF_CLI_CONFIG_FILE=str(tmp / "rc"), XELON_TOKEN="bench", TF_IN_AUTOMATION="1",
                       CHECKPOINT_DISABLE="1", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")

            load0, busy0, own0 = os.getloadavg(), cpu_busy_seconds(), own_cpu_seconds()
            bench_start = time.perf_counter()
            log(f"1/4 start-up, {a.runs} runs each, plain and AutoMTLS")
            st = startup(bindir, client_cert(tmp), a.runs)
            plans = []
            for n in sizes:
                log(f"2/4 no-change plan, N={n} ({n * (1 + POOLS_PER_CLUSTER)} resources), {a.repeat} runs"
                    + (" + provider memory" if n == sizes[-1] else ""))
                plans.append(plan_size(bindir, tf, tmp, env, n, a.repeat, rss=n == sizes[-1]))
            big = sizes[-1]
            log(f"3/4 no-change plan, N={big}, emulator --latency {a.latency * 1000:.0f}ms")
            la = latency_plan(bindir, tf, tmp, env, big, a.latency, plans[-1]["floor_s"]["median"], a.repeat)
            log(f"4/4 lag to ready at {a.delay:g} s delays, {a.repeat} runs")
            lg = lag(bindir, tf, tmp, env, a.delay, a.nodes, a.repeat)
            bench_s = time.perf_counter() - bench_start
            busy = cpu_busy_seconds() - busy0
            own = own_cpu_seconds() - own0
        finally:
            # providers Terraform started from our private copy, should any outlive it
            exe = str((tmp / "bin" / PROVIDER).resolve())
            for name in os.listdir("/proc"):
                try:
                    if name.isdigit() and os.readlink(f"/proc/{name}/exe").removesuffix(" (deleted)") == exe:
                        os.kill(int(name), signal.SIGKILL)
                except OSError:
                    pass

    other = max(0.0, busy - own)
    r = {
        "meta": {
            **git_info(), "profile": a.profile, "runs": a.runs, "repeat": a.repeat, "sizes": sizes,
            "latency_s": a.latency, "delay_s": a.delay, "nodes": a.nodes,
            "provider_sha256": provider_sha, "terraform": tf, "terraform_version": tf_version, "nproc": os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "build_s": build_s, "bench_s": bench_s, "wall_s": time.perf_counter() - started,
            "loadavg_start": load0, "loadavg_end": os.getloadavg(),
            "other_cpu_s": other, "other_cpu_share": other / (bench_s * (os.cpu_count() or 1)),
        },
        "startup": st, "plan": plans, "latency": la, "lag": lg,
    }
    r["goals"] = goals(r)
    report(r, out)
    if a.json:
        text = json.dumps(r, indent=2) + "\n"
        if a.json == "-":
            sys.stdout.write(text)
        else:
            Path(a.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
