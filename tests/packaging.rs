//! Release packaging: `scripts/package.sh` writes the zip, the registry
//! manifest and SHA256SUMS in HashiCorp's layout, and real Terraform installs
//! the zip from a `filesystem_mirror` (no `dev_overrides`) and runs it.
//!
//! The provider binary is the one cargo built for the tests (`--binary`), so
//! no second release build is needed. Missing tools (`bash`, `python3`,
//! Terraform) fail the tests; nothing is skipped.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NAME: &str = "terraform-provider-xelon";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-xelon"))
}

/// This machine's platform in Terraform's naming, e.g. `linux_amd64`.
fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// Runs `scripts/package.sh ARGS`.
fn package(args: &[&str]) -> Output {
    let script = root().join("scripts/package.sh");
    let mode = std::fs::metadata(&script)
        .expect("scripts/package.sh exists")
        .permissions()
        .mode();
    assert!(
        mode & 0o111 != 0,
        "scripts/package.sh is not executable (mode {mode:o})"
    );
    Command::new("bash")
        .arg(&script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run bash scripts/package.sh (is bash installed?)")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// SHA-256 of a file, in hex, computed by Python's hashlib.
fn sha256_hex(path: &Path) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        ])
        .arg(path)
        .output()
        .expect("run python3 (needed to hash files)");
    assert!(out.status.success(), "python3 sha256: {}", text(&out));
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// Terraform's `h1:` hash of a package holding the single file `name` with
/// the contents of `path` (dirhash Hash1: SHA-256 over "<sha256>  <name>\n").
fn h1_hash(path: &Path, name: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import base64, hashlib, sys\n\
             inner = hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()\n\
             summary = f'{inner}  {sys.argv[2]}\\n'.encode()\n\
             print('h1:' + base64.b64encode(hashlib.sha256(summary).digest()).decode())",
        ])
        .arg(path)
        .arg(name)
        .output()
        .expect("run python3 (needed to hash files)");
    assert!(out.status.success(), "python3 h1: {}", text(&out));
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// One entry of a zip's central directory.
#[derive(Debug)]
struct ZipEntry {
    name: String,
    /// The high byte of "version made by": 3 is Unix.
    made_by_system: u8,
    /// Unix mode (high half of the external attributes).
    unix_mode: u32,
    compression: u16,
    size: u64,
}

/// Reads a zip's central directory by hand (no zip crate in the tree).
fn zip_entries(bytes: &[u8]) -> Vec<ZipEntry> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let eocd = (0..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("zip: no end-of-central-directory record");
    let count = u16_at(eocd + 10) as usize;
    let mut at = u32_at(eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(
            u32_at(at),
            0x0201_4b50,
            "zip: bad central directory header at {at}"
        );
        let name_len = u16_at(at + 28) as usize;
        let extra_len = u16_at(at + 30) as usize;
        let comment_len = u16_at(at + 32) as usize;
        entries.push(ZipEntry {
            name: String::from_utf8_lossy(&bytes[at + 46..at + 46 + name_len]).into_owned(),
            made_by_system: bytes[at + 5],
            unix_mode: u32_at(at + 38) >> 16,
            compression: u16_at(at + 10),
            size: u64::from(u32_at(at + 24)),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

/// Runs `terraform ARGS` in `dir` with only the given CLI config.
fn tf(dir: &Path, cli_config: &Path, args: &[&str]) -> support::Run {
    let out = Command::new(support::terraform())
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("NO_COLOR", "1")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_DATA_DIR")
        .env_remove("TF_LOG")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_CLI_ARGS_init")
        .env_remove("TF_CLI_ARGS_validate")
        .stdin(Stdio::null())
        .output()
        .expect("run terraform");
    support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Terraform wraps long lines: compare with whitespace folded.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hcl_string(path: &Path) -> String {
    let s = path.to_str().expect("utf-8 path");
    assert!(
        !s.contains(['"', '\\', '$', '%']),
        "path {s:?} needs HCL escaping"
    );
    format!("\"{s}\"")
}

#[test]
fn package_installs_from_a_filesystem_mirror() {
    let binary = provider_binary();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = package(&[
        "--binary",
        binary.to_str().expect("utf-8 path"),
        "--out",
        out_dir.path().to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "package.sh failed:\n{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);

    let platform = platform();
    let zip_name = format!("{NAME}_{VERSION}_{platform}.zip");
    let sums_name = format!("{NAME}_{VERSION}_SHA256SUMS");
    let manifest_name = format!("{NAME}_{VERSION}_manifest.json");
    let exe_name = format!("{NAME}_v{VERSION}");

    // Exactly the four release files, and the script says so.
    let mut files: Vec<String> = std::fs::read_dir(out_dir.path())
        .expect("read out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected = vec![
        zip_name.clone(),
        sums_name.clone(),
        manifest_name.clone(),
        "terraform-registry-manifest.json".to_string(),
    ];
    expected.sort();
    assert_eq!(files, expected, "{stdout}");
    for f in &expected {
        assert!(
            stdout.contains(f.as_str()),
            "{f} not reported in:\n{stdout}"
        );
    }

    // The zip holds exactly the executable, named as Terraform expects.
    let zip_path = out_dir.path().join(&zip_name);
    let zip_bytes = std::fs::read(&zip_path).expect("read zip");
    let entries = zip_entries(&zip_bytes);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.name, exe_name, "{entry:?}");
    assert_eq!(entry.made_by_system, 3, "not made on Unix: {entry:?}");
    assert_eq!(entry.unix_mode, 0o100755, "mode: {:o}", entry.unix_mode);
    assert_eq!(entry.compression, 8, "not deflated: {entry:?}");
    let binary_len = std::fs::metadata(&binary).expect("binary").len();
    assert_eq!(entry.size, binary_len, "{entry:?}");
    assert!((zip_bytes.len() as u64) < binary_len, "zip not compressed");

    // The registry manifest declares protocol 6.0, under both names.
    let want = serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}});
    for name in [manifest_name.as_str(), "terraform-registry-manifest.json"] {
        let text = std::fs::read_to_string(out_dir.path().join(name)).expect("manifest");
        let got: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(got, want, "{name}");
    }

    // SHA256SUMS lists the zip and the manifest, with their real hashes.
    let sums = std::fs::read_to_string(out_dir.path().join(&sums_name)).expect("SHA256SUMS");
    let mut listed: Vec<(&str, &str)> = sums
        .lines()
        .map(|l| {
            l.split_once("  ")
                .unwrap_or_else(|| panic!("bad SHA256SUMS line {l:?}"))
        })
        .collect();
    listed.sort_by_key(|(_, f)| *f);
    let mut want_listed = vec![zip_name.as_str(), manifest_name.as_str()];
    want_listed.sort();
    assert_eq!(
        listed.iter().map(|(_, f)| *f).collect::<Vec<_>>(),
        want_listed,
        "{sums}"
    );
    for (hash, file) in &listed {
        assert_eq!(hash.len(), 64, "{sums}");
        assert_eq!(*hash, sha256_hex(&out_dir.path().join(file)), "{file}");
    }
    assert!(sums.ends_with('\n'));

    // Terraform installs it from a filesystem mirror in the packed layout.
    let work = tempfile::tempdir().expect("tempdir");
    let mirror = work.path().join("mirror");
    let mirror_dir = mirror.join("registry.terraform.io/xelon-ag/xelon");
    std::fs::create_dir_all(&mirror_dir).expect("mirror dir");
    std::fs::copy(&zip_path, mirror_dir.join(&zip_name)).expect("copy zip");
    let cli_config = work.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [\"registry.terraform.io/xelon-ag/xelon\"]\n  }}\n}}\n",
            hcl_string(&mirror)
        ),
    )
    .expect("write CLI config");
    let stack = work.path().join("stack");
    std::fs::create_dir(&stack).expect("stack dir");
    let main_tf = |extra: &str| {
        format!(
            r#"terraform {{
  required_providers {{
    xelon = {{ source = "{}", version = "{VERSION}" }}
  }}
}}

provider "xelon" {{}}

resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "packaged"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
{extra}}}
"#,
            support::PROVIDER_SOURCE
        )
    };
    std::fs::write(stack.join("main.tf"), main_tf("")).expect("main.tf");

    let init = tf(&stack, &cli_config, &["init", "-no-color"]).ok();
    assert!(
        fold(&init.stdout).contains(&format!("Installed xelon-ag/xelon v{VERSION}")),
        "{}",
        init.all()
    );
    assert!(
        !init.all().contains("dev_overrides") && !init.all().contains("Provider development"),
        "{}",
        init.all()
    );

    // The lock file pins this version, with the package's h1: hash.
    let lock = std::fs::read_to_string(stack.join(".terraform.lock.hcl")).expect("lock file");
    assert!(
        lock.contains("provider \"registry.terraform.io/xelon-ag/xelon\""),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("constraints = \"{VERSION}\"")),
        "{lock}"
    );
    let h1 = h1_hash(&binary, &exe_name);
    assert!(
        lock.contains(&format!("\"{h1}\"")),
        "lock file lacks {h1}:\n{lock}"
    );
    // Any zh: hash Terraform records is the zip's own SHA-256.
    let zh = format!("zh:{}", sha256_hex(&zip_path));
    for line in lock.lines().filter(|l| l.contains("\"zh:")) {
        assert!(
            line.contains(&zh),
            "unexpected {line:?}, want {zh}:\n{lock}"
        );
    }

    // The unpacked binary is the packaged one, and still executable.
    let installed = stack
        .join(".terraform/providers/registry.terraform.io/xelon-ag/xelon")
        .join(VERSION)
        .join(&platform)
        .join(&exe_name);
    let meta = std::fs::metadata(&installed)
        .unwrap_or_else(|e| panic!("{} not installed: {e}", installed.display()));
    assert!(
        meta.permissions().mode() & 0o111 != 0,
        "installed binary not executable: {:o}",
        meta.permissions().mode()
    );
    assert!(
        std::fs::read(&installed).expect("installed binary")
            == std::fs::read(&binary).expect("binary"),
        "installed binary differs from the packaged one"
    );
    let version_out = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("run the installed binary");
    assert_eq!(
        String::from_utf8_lossy(&version_out.stdout).trim(),
        format!("{NAME} {VERSION}"),
        "{}",
        text(&version_out)
    );

    // Terraform starts the installed provider and checks the config against its schema.
    let valid = tf(&stack, &cli_config, &["validate", "-no-color"]).ok();
    assert!(
        fold(&valid.stdout).contains("The configuration is valid"),
        "{}",
        valid.all()
    );
    std::fs::write(stack.join("main.tf"), main_tf("  no_such_argument = 1\n")).expect("main.tf");
    tf(&stack, &cli_config, &["validate", "-no-color"])
        .fails_with(&["Unsupported argument", "no_such_argument"]);
}

#[test]
fn package_rejects_bad_arguments() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out_str = out_dir.path().to_str().expect("utf-8 path");

    let missing = out_dir.path().join("no-such-binary");
    let out = package(&[
        "--binary",
        missing.to_str().expect("utf-8 path"),
        "--out",
        out_str,
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no provider binary at"),
        "{}",
        text(&out)
    );

    let out = package(&["--frobnicate"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown argument: --frobnicate"),
        "{}",
        text(&out)
    );

    let binary = provider_binary();
    let out = package(&[
        "--binary",
        binary.to_str().expect("utf-8 path"),
        "--out",
        out_str,
        "--platform",
        "Linux-x86_64",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--platform must look like linux_amd64"),
        "{}",
        text(&out)
    );

    // Nothing was written by the failed runs.
    assert_eq!(
        std::fs::read_dir(out_dir.path()).expect("out dir").count(),
        0
    );
}
