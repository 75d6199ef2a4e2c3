//! The quickstart stack under `terraform test`, offline against the emulator:
//! what the README promises module authors.

mod support;

use support::{Emulator, Workspace};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

#[test]
fn terraform_test_runs_the_quickstart_offline() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        ws.path(),
    );
    ws.tf(&["init", "-no-color"]).ok();
    let run = ws.tf(&["test", "-no-color"]).ok();
    assert!(run.stdout.contains("4 passed, 0 failed"), "{}", run.stdout);
    // terraform test cleans up after itself.
    let (_, list) = emu.api("GET", "kubernetes", None);
    let left: Vec<_> = list["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c["status"] != "Deleting")
        .collect();
    assert!(left.is_empty(), "clusters left behind: {left:?}");
}
