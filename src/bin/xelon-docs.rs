//! `xelon-docs`: generates the Terraform Registry documentation in `docs/`
//! from the provider's schemas and the example configurations in
//! `examples/` (see `xelon_provider::docs` for the layout).
//!
//! ```sh
//! cargo run --bin xelon-docs            # rewrite docs/ (and delete pages of types that are gone)
//! cargo run --bin xelon-docs -- --check # exit 1 listing the files that differ; changes nothing
//! ```
//!
//! Run it after changing a schema description or an example; `tests/docs.rs`
//! fails while `docs/` is out of date. Every registered resource, data source,
//! ephemeral resource and list resource needs its example file
//! (`examples/<kind>/<type>/<kind>.tf`, `list-resource.tfquery.hcl` for list
//! resources) or generation fails.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use xelon_provider::docs::{self, Difference};
use xelon_provider::provider::XelonProvider;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "xelon-docs",
    about = "Generate the provider's Registry docs (docs/) from its schemas and examples/"
)]
struct Args {
    /// Change nothing: list the files in docs/ that differ from the generated
    /// ones and exit with status 1 if there are any.
    #[arg(long)]
    check: bool,

    /// The repository root holding examples/ and docs/.
    #[arg(long, value_name = "DIR", default_value = env!("CARGO_MANIFEST_DIR"))]
    root: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xelon-docs: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let examples = args.root.join("examples");
    let docs_dir = args.root.join("docs");
    let files = docs::render(&XelonProvider, "xelon", &examples)
        .with_context(|| format!("rendering docs from {}", examples.display()))?;
    if args.check {
        let diffs = docs::differences(&docs_dir, &files)?;
        if diffs.is_empty() {
            println!("{} is up to date ({} files)", shown(&docs_dir), files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for d in &diffs {
            println!("{d}");
        }
        eprintln!(
            "{} is stale: run `cargo run --bin xelon-docs`",
            shown(&docs_dir)
        );
        return Ok(ExitCode::FAILURE);
    }
    let changes = docs::write(&docs_dir, &files)?;
    for change in &changes {
        match change {
            Difference::Missing(p) => println!("created {}", p.display()),
            Difference::Changed(p) => println!("updated {}", p.display()),
            Difference::Stale(p) => println!("removed {}", p.display()),
        }
    }
    println!(
        "{}: {} files, {} updated",
        shown(&docs_dir),
        files.len(),
        changes.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `docs_dir` relative to the working directory when possible.
fn shown(dir: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf())
        .display()
        .to_string()
}
