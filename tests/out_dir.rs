//! `--out` as users and hostile testers use it (issue 14, items 6–8): only
//! files cashapply wrote are replaced, nothing is left behind or lost when a
//! run is refused, killed or runs beside another, and `.` and symlinks work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{apply_demo, fixture, scratch, stderr};

const FILES: [&str; 4] = ["postings.csv", "exceptions.csv", "receipts.csv", "summary.json"];

/// Names in `dir`, hidden ones included.
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn sha256(path: &Path) -> String {
    use std::fmt::Write;
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut s = String::new();
    write!(s, "{}", text.split_whitespace().next().unwrap_or("")).unwrap();
    s
}

/// `--out` holds one whole batch: the four files, each with the digest its
/// manifest lists, and no temporary folder or journal.
fn assert_one_whole_batch(out: &Path) {
    assert_files_match_manifest(out);
    let leftovers: Vec<String> =
        names(out).into_iter().filter(|n| n.starts_with(".cashapply-tmp-") || n == ".cashapply-commit").collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Each of the four files has the digest the manifest lists.
fn assert_files_match_manifest(out: &Path) {
    let manifest = std::fs::read_to_string(out.join(".cashapply-manifest")).unwrap();
    for name in FILES {
        let line = manifest.lines().find(|l| l.ends_with(&format!("  {name}"))).unwrap_or_else(|| panic!("{manifest}"));
        assert_eq!(line.split("  ").next().unwrap(), sha256(&out.join(name)), "{name} belongs to the manifest's batch");
    }
}

fn apply_command(out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cashapply"));
    c.args(["apply", "--bank", &fixture("morning.bai2"), "--invoices", &fixture("open_invoices.csv")]);
    c.args(["--customers", &fixture("customers.csv"), "--out", out.to_str().unwrap()]);
    c
}

#[test]
fn a_folder_named_postings_csv_holding_a_users_file_is_never_deleted() {
    let out = scratch("subfolder-postings");
    std::fs::create_dir_all(out.join("postings.csv")).unwrap();
    std::fs::write(out.join("postings.csv/notes.txt"), b"mine").unwrap();
    let o = apply_demo(&out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("postings.csv: refusing to replace it: it is a folder"), "{}", stderr(&o));
    assert_eq!(std::fs::read(out.join("postings.csv/notes.txt")).unwrap(), b"mine");
    assert!(!names(&out).iter().any(|n| n.starts_with(".cashapply-tmp-")));
}

#[test]
fn an_output_file_the_user_edited_or_wrote_is_not_overwritten() {
    let out = scratch("edited-postings");
    assert_eq!(apply_demo(&out).status.code(), Some(0));
    std::fs::write(out.join("exceptions.csv"), b"my notes on the queue").unwrap();
    let o = apply_demo(&out);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("exceptions.csv: refusing to replace it: it was changed after cashapply wrote it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(out.join("exceptions.csv")).unwrap(), b"my notes on the queue");
    // A folder without a manifest: a receipts.csv there is the user's.
    let other = scratch("users-receipts");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("receipts.csv"), b"a,b\n").unwrap();
    let o = apply_demo(&other);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no .cashapply-manifest lists it"), "{}", stderr(&o));
}

#[test]
fn an_out_that_is_a_regular_file_is_refused_and_leaves_no_temporary_folder() {
    let dir = scratch("out-is-file");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.txt");
    std::fs::write(&out, b"keep").unwrap();
    let o = apply_demo(&out);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--out must be a directory, and this is a file"), "{}", stderr(&o));
    assert_eq!(names(&dir), BTreeSet::from(["report.txt".to_string()]));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
}

#[test]
fn out_dot_writes_into_the_working_directory_beside_the_users_files() {
    let dir = scratch("out-dot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bank.bai2"), std::fs::read(fixture("morning.bai2")).unwrap()).unwrap();
    for _ in 0..2 {
        let o = apply_command(Path::new(".")).current_dir(&dir).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(dir.join("bank.bai2").is_file());
    assert_one_whole_batch(&dir);
}

#[test]
fn a_symlinked_out_stays_a_symlink_and_the_batch_goes_to_its_target() {
    let dir = scratch("out-symlink");
    std::fs::create_dir_all(dir.join("target")).unwrap();
    let link = dir.join("latest");
    std::os::unix::fs::symlink("target", &link).unwrap();
    for _ in 0..2 {
        let o = apply_demo(&link);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_one_whole_batch(&dir.join("target"));
}

#[test]
fn a_second_run_waits_for_the_lock_and_then_fails_naming_the_holder() {
    use std::io::Write;
    let out = scratch("locked");
    std::fs::create_dir_all(&out).unwrap();
    let mut lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(out.join(".cashapply.lock"))
        .unwrap();
    lock.lock().unwrap();
    writeln!(lock, "4242").unwrap();
    let start = std::time::Instant::now();
    let o = apply_command(&out).env("CASHAPPLY_LOCK_WAIT_SECS", "1").output().unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1), "it waited");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("another cashapply run (pid 4242) is writing this output directory; waited 1 s"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.join("postings.csv").exists());
    // Released while the next run waits: it then writes.
    let waiting = apply_command(&out).env("CASHAPPLY_LOCK_WAIT_SECS", "20").stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    lock.unlock().unwrap();
    let o = waiting.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_one_whole_batch(&out);
}

#[test]
fn concurrent_runs_on_one_out_take_turns_and_leave_one_whole_batch() {
    let out = scratch("concurrent");
    let runs: Vec<_> =
        (0..4).map(|_| apply_command(&out).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    for r in runs {
        let o = r.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_one_whole_batch(&out);
}

#[test]
fn a_run_killed_at_any_moment_leaves_a_whole_batch_once_the_next_run_has_recovered() {
    let out = scratch("killed");
    assert_eq!(apply_demo(&out).status.code(), Some(0));
    let before = std::fs::read(out.join("postings.csv")).unwrap();
    for delay_ms in [0u64, 2, 5, 8, 12, 16, 20, 25, 30, 40, 50, 60, 80] {
        // Another as-of date: another batch id, so old and new differ.
        let mut child = apply_command(&out)
            .args(["--as-of", "2026-12-01"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the moment: the files in place are one whole batch (the
        // old or the new), or a journal says the next run finishes the new.
        if !out.join(".cashapply-commit").exists() {
            assert_files_match_manifest(&out);
        }
        let o = apply_demo(&out);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_one_whole_batch(&out);
        assert_eq!(std::fs::read(out.join("postings.csv")).unwrap(), before);
    }
}
