//! Every example configuration is a valid Terraform root module: each
//! directory under `examples/provider`, `examples/resources/*`,
//! `examples/data-sources/*`, `examples/ephemeral-resources/*`,
//! `examples/list-resources/*` and `examples/quickstart` passes
//! `terraform fmt -check` and `terraform validate` (with `-query` where it
//! has `.tfquery.hcl` files) with the real Terraform CLI and the built
//! provider (which checks the attributes against the schemas and runs the
//! validators). A resource's two ways to import with an `import` block
//! (`import-block.tf` by ID, `import-by-identity.tf` by identity) are
//! alternatives: each is validated without the other.
//!
//! The docs examples leave out the `terraform { required_providers { ... } }`
//! block, as is the convention for Registry examples (the Registry shows the
//! provider's source address itself, and `examples/provider/provider.tf`,
//! embedded in docs/index.md, shows the block): this test adds a
//! `required_providers.tf` to the copy of every example directory that does
//! not declare `required_providers` itself. A directory with a `module`
//! block, in its configuration or in a run block of its `tests/`, is
//! `terraform init`-ed first.

mod support;

use std::path::{Path, PathBuf};

use support::{PROVIDER_SOURCE, Workspace, terraform};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every example directory, sorted.
fn example_dirs() -> Vec<PathBuf> {
    let root = examples_dir();
    let mut dirs = vec![root.join("provider"), root.join("quickstart")];
    for kind in [
        "resources",
        "data-sources",
        "ephemeral-resources",
        "list-resources",
    ] {
        let kind_dir = root.join(kind);
        let entries =
            std::fs::read_dir(&kind_dir).unwrap_or_else(|e| panic!("{}: {e}", kind_dir.display()));
        for entry in entries {
            let path = entry.expect("read examples").path();
            assert!(
                path.is_dir(),
                "{}: only one directory per type belongs here",
                path.display()
            );
            dirs.push(path);
        }
    }
    dirs.sort();
    dirs
}

/// The `.tf` and `.tfquery.hcl` files of `dir` (not recursive:
/// subdirectories are copied, not read).
fn tf_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("read example dir").path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".tf") || name.ends_with(".tfquery.hcl")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("read example");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// The text of each `tests/*.tftest.hcl` file of `dir`.
fn test_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .map(|e| e.expect("read tests dir").path())
        .filter(|p| p.to_string_lossy().ends_with(".tftest.hcl"))
        .map(|p| std::fs::read_to_string(&p).expect("read test file"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read example dir") {
        let path = entry.expect("read example dir").path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy example file");
        }
    }
}

/// Checks one example directory; `Err` holds what went wrong.
fn check(dir: &Path) -> Result<(), String> {
    let files = tf_files(dir);
    if files.is_empty() {
        return Err("no .tf or .tfquery.hcl files".into());
    }
    let ws = Workspace::bare();
    copy_dir(dir, ws.path());

    let fmt = ws.tf(&["fmt", "-check", "-diff", "-recursive", "-no-color"]);
    if fmt.code != 0 {
        return Err(format!("not in `terraform fmt` style:\n{}", fmt.all()));
    }

    if !files.iter().any(|(_, t)| t.contains("required_providers")) {
        assert!(
            !ws.path().join("required_providers.tf").exists(),
            "{}: required_providers.tf without required_providers",
            dir.display()
        );
        ws.write(
            "required_providers.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    xelon = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n"
            ),
        );
    }
    // `terraform validate` also checks the test files, and needs the modules
    // their run blocks use (`module { source = ... }`) installed too.
    let is_module_line = |l: &str| l.trim_start().starts_with("module ");
    let uses_modules = files.iter().any(|(_, t)| t.lines().any(is_module_line))
        || test_files(dir)
            .iter()
            .any(|t| t.lines().any(is_module_line));
    if uses_modules {
        let init = ws.tf(&["init", "-backend=false", "-input=false", "-no-color"]);
        if init.code != 0 {
            return Err(format!("terraform init failed:\n{}", init.all()));
        }
    }
    let mut validate = vec!["validate", "-no-color"];
    if files.iter().any(|(name, _)| name.ends_with(".tfquery.hcl")) {
        validate.push("-query");
    }
    // The two import blocks of a resource are alternatives (one import
    // block per resource): each is validated without the other.
    let imports = ["import-block.tf", "import-by-identity.tf"];
    let alternatives: Vec<Option<&str>> = if imports
        .iter()
        .all(|f| files.iter().any(|(name, _)| name == f))
    {
        imports.iter().map(|f| Some(*f)).collect()
    } else {
        vec![None]
    };
    for keep in alternatives {
        let mut set_aside = Vec::new();
        if let Some(keep) = keep {
            for other in imports.iter().filter(|f| **f != keep) {
                let text = ws.read(other);
                std::fs::remove_file(ws.path().join(other)).expect("set an import aside");
                set_aside.push((*other, text));
            }
        }
        let run = ws.tf(&validate);
        for (name, text) in set_aside {
            ws.write(name, &text);
        }
        if run.code != 0 {
            let with = keep.map(|k| format!(" (with {k})")).unwrap_or_default();
            return Err(format!("terraform validate failed{with}:\n{}", run.all()));
        }
    }
    Ok(())
}

#[test]
fn every_example_is_a_valid_root_module() {
    terraform(); // fails with instructions when there is no Terraform CLI
    let dirs = example_dirs();
    let root = examples_dir();
    let shown = |d: &Path| d.strip_prefix(&root).unwrap_or(d).display().to_string();
    // The provider example, the quickstart, and at least one example per kind.
    for kind in [
        "provider",
        "quickstart",
        "resources/",
        "data-sources/",
        "ephemeral-resources/",
        "list-resources/",
    ] {
        assert!(
            dirs.iter().any(|d| shown(d).starts_with(kind)),
            "no example under examples/{kind}: {dirs:?}"
        );
    }
    let results: Vec<(String, Result<(), String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|d| (shown(d), s.spawn(|| check(d))))
            .collect();
        handles
            .into_iter()
            .map(|(name, h)| (name, h.join().unwrap_or_else(|_| Err("panicked".into()))))
            .collect()
    });
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("examples/{name}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples are invalid:\n\n{}",
        failures.len(),
        results.len(),
        failures.join("\n\n")
    );
}

/// The check can fail: the provider's validators run, and formatting counts.
#[test]
fn an_invalid_example_fails_validation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("resource.tf"),
        "resource \"xelon_kubernetes_node_pool\" \"p\" {\n  kubernetes_cluster_id = \"k8s-1\"\n  name                  = \"p\"\n  node_count            = 0\n}\n",
    )
    .expect("write");
    let err = check(tmp.path()).expect_err("an invalid example passed");
    assert!(err.contains("node_count must be from 1 to"), "{err}");

    std::fs::write(
        tmp.path().join("resource.tf"),
        "resource \"xelon_kubernetes_node_pool\" \"p\" {\n  kubernetes_cluster_id=\"k8s-1\"\n  name = \"p\"\n}\n",
    )
    .expect("write");
    let err = check(tmp.path()).expect_err("a badly formatted example passed");
    assert!(err.contains("terraform fmt"), "{err}");
}
