//! Helpers shared by the integration tests: the `cashapply` binary, the
//! repository's fixtures, scratch directories, and the public sample bank
//! files of `../shared/samples/`, which live beside the repository rather
//! than in it. A missing `shared/` folder fails the test with a message
//! saying so, not with an `unwrap` panic on a path.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the public samples are expected: `../shared/samples` beside the repository.
pub fn shared_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples")
}

/// The path of a public sample under `root` (`bai2/moov-io__sample1.txt`);
/// fails the test, saying what is missing and where it was looked for, when
/// the `shared/` folder is not there.
pub fn shared_in(root: &Path, relative: &str) -> PathBuf {
    if !root.is_dir() {
        panic!(
            "this test reads the public sample bank files of ../shared/samples/, which is missing (looked in {}); \
             put the shared/ folder beside the repository (see README, Set-up)",
            root.display()
        );
    }
    let path = root.join(relative);
    if !path.exists() {
        panic!("the public sample {} is missing from {}", relative, root.display());
    }
    path
}

/// The path of a public sample (`bai2/moov-io__sample1.txt`, or a folder such as `camt`).
pub fn shared(relative: &str) -> PathBuf {
    shared_in(&shared_root(), relative)
}

/// The bytes of a public sample.
pub fn shared_bytes(relative: &str) -> Vec<u8> {
    let path = shared(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs the `cashapply` binary.
pub fn cashapply(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cashapply")).args(args).output().unwrap()
}

/// A file of `fixtures/apply/`.
pub fn fixture(name: &str) -> String {
    format!("{}/fixtures/apply/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch path (removed if a previous run left it).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.is_dir() && !dir.is_symlink() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::fs::remove_file(&dir);
    }
    dir
}

/// `apply` of `bank` against `invoices` and the fixture customers into `out`, with extra arguments.
pub fn apply_with(out: &Path, bank: &[&str], invoices: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["apply".into()];
    for b in bank {
        args.extend(["--bank".into(), (*b).to_string()]);
    }
    args.extend([
        "--invoices".into(),
        invoices.to_string(),
        "--customers".into(),
        fixture("customers.csv"),
        "--out".into(),
        out.to_str().unwrap().to_string(),
    ]);
    args.extend(extra.iter().map(|s| (*s).to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cashapply(&args)
}

/// `apply` of the demo morning into `out`.
pub fn apply_demo(out: &Path) -> Output {
    apply_with(out, &[&fixture("morning.bai2")], &fixture("open_invoices.csv"), &[])
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
