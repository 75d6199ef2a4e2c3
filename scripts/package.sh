#!/usr/bin/env bash
# Release packaging: builds the provider and writes, in HashiCorp's release
# layout, everything Terraform (through a filesystem or network mirror) or a
# private registry needs:
#
#   terraform-provider-xelon_<version>_<os>_<arch>.zip  one file, the binary
#       terraform-provider-xelon_v<version> (mode 0755 kept in the zip)
#   terraform-provider-xelon_<version>_manifest.json    registry manifest:
#       {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
#   terraform-registry-manifest.json                    the same manifest
#   terraform-provider-xelon_<version>_SHA256SUMS       `<sha256>  <file>` for
#       every zip of <version> in the output directory and the _manifest.json
#
#   scripts/package.sh [--target-dir DIR] [--out DIR] [--binary PATH] [--platform OS_ARCH]
#
#   --target-dir DIR     cargo target directory of the release build
#                        (default: cargo's own, which honours CARGO_TARGET_DIR)
#   --out DIR            output directory (default: dist/, git-ignored)
#   --binary PATH        package this already-built provider binary instead of
#                        running `cargo build --release --locked`
#   --platform OS_ARCH   Terraform platform of the binary, e.g. linux_arm64
#                        (default: this machine's, from uname); for a binary
#                        cross-built and given with --binary
#
# The version comes from Cargo.toml. Packaging several platforms into the same
# --out accumulates their zips; SHA256SUMS always lists all of them.
# Needs bash, cargo and python3 (standard library only: no `zip` command).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
name=terraform-provider-xelon
usage() { sed -n '14,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "package.sh: $*" >&2; exit 1; }

target_dir="" out="$root/dist" binary="" platform=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target-dir | --out | --binary | --platform)
      [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"
      case "$1" in
        --target-dir) target_dir=$2 ;;
        --out) out=$2 ;;
        --binary) binary=$2 ;;
        --platform) platform=$2 ;;
      esac
      shift 2
      ;;
    --target-dir=* ) target_dir=${1#*=}; shift ;;
    --out=*) out=${1#*=}; shift ;;
    --binary=*) binary=${1#*=}; shift ;;
    --platform=*) platform=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

command -v python3 >/dev/null 2>&1 || die "python3 is required (it writes the zip and the checksums)"
command -v cargo >/dev/null 2>&1 || die "cargo is required (it reads the version from Cargo.toml)"
if [[ -n "$binary" && -n "$target_dir" ]]; then
  die "--binary and --target-dir exclude each other (--binary packages an existing build)"
fi

# Version and default target directory, as cargo sees them.
read -r version cargo_target < <(
  cargo metadata --no-deps --format-version 1 --manifest-path "$root/Cargo.toml" |
    python3 -c '
import json, sys
meta = json.load(sys.stdin)
pkg = next(p for p in meta["packages"] if p["name"] == sys.argv[1])
print(pkg["version"], meta["target_directory"])
' "$name"
) || die "cannot read the package version with cargo metadata"
[[ -n "${version:-}" ]] || die "cannot read the package version with cargo metadata"

# Terraform's platform names.
if [[ -z "$platform" ]]; then
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    FreeBSD) os=freebsd ;;
    OpenBSD) os=openbsd ;;
    *) die "unsupported OS $(uname -s); pass --platform OS_ARCH" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    i386 | i686) arch=386 ;;
    armv6* | armv7*) arch=arm ;;
    *) die "unsupported architecture $(uname -m); pass --platform OS_ARCH" ;;
  esac
  platform="${os}_${arch}"
fi
[[ "$platform" =~ ^[a-z0-9]+_[a-z0-9]+$ ]] || die "--platform must look like linux_amd64, not '$platform'"

if [[ -z "$binary" ]]; then
  target_dir=${target_dir:-$cargo_target}
  echo "==> cargo build --release --locked -p $name --bin $name (target dir $target_dir)" >&2
  cargo build --release --locked -p "$name" --bin "$name" \
    --manifest-path "$root/Cargo.toml" --target-dir "$target_dir" >&2
  binary="$target_dir/release/$name"
fi
[[ -f "$binary" && -s "$binary" ]] || die "no provider binary at $binary"

mkdir -p "$out"
out=$(cd "$out" && pwd)

python3 - "$name" "$version" "$platform" "$binary" "$out" <<'PY'
import hashlib, json, os, re, stat, sys, time, zipfile

name, version, platform, binary, out = sys.argv[1:]
if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", version):
    sys.exit(f"package.sh: version {version!r} is not a semantic version Terraform accepts")

def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

# The zip: exactly one member, the executable, stored with Unix mode 0755 so
# that Terraform can run it after unpacking. Its timestamp is the binary's
# (or SOURCE_DATE_EPOCH), so the same binary gives the same zip.
stamp = int(os.environ.get("SOURCE_DATE_EPOCH") or os.stat(binary).st_mtime)
stamp = max(stamp, 315532800)  # zip dates start in 1980
member = zipfile.ZipInfo(f"{name}_v{version}", date_time=time.gmtime(stamp)[:6])
member.create_system = 3  # Unix, so the mode in external_attr counts
member.external_attr = (stat.S_IFREG | 0o755) << 16
with open(binary, "rb") as f:
    content = f.read()
zip_path = os.path.join(out, f"{name}_{version}_{platform}.zip")
tmp = zip_path + ".tmp"
with zipfile.ZipFile(tmp, "w") as z:
    z.writestr(member, content, compress_type=zipfile.ZIP_DEFLATED)
os.replace(tmp, zip_path)

# The registry manifest (protocol 6 only), under both of its names.
manifest = json.dumps({"version": 1, "metadata": {"protocol_versions": ["6.0"]}}, indent=2) + "\n"
manifest_name = f"{name}_{version}_manifest.json"
write_atomically(os.path.join(out, manifest_name), manifest.encode())
write_atomically(os.path.join(out, "terraform-registry-manifest.json"), manifest.encode())

# SHA256SUMS: every zip of this version here (one per packaged platform), and the manifest.
zip_re = re.compile(re.escape(f"{name}_{version}_") + r"[a-z0-9]+_[a-z0-9]+\.zip")
listed = sorted(f for f in os.listdir(out) if zip_re.fullmatch(f)) + [manifest_name]
sums_name = f"{name}_{version}_SHA256SUMS"
sums = "".join(f"{sha256(os.path.join(out, f))}  {f}\n" for f in listed)
write_atomically(os.path.join(out, sums_name), sums.encode())

print(f"Packaged {name} {version} for {platform} from {binary}")
print(f"in {out}:")
for f in sorted(set(listed) | {sums_name, "terraform-registry-manifest.json"}):
    print(f"  {f}  ({os.path.getsize(os.path.join(out, f))} bytes)")
print(f"{sums_name}:")
print("".join("  " + line for line in sums.splitlines(keepends=True)), end="")
PY
