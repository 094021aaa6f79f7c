//! The output directory (`--out`) and how a batch replaces the previous
//! one without losing either, and without touching anything of the user's.
//!
//! * `--out` is a directory (created when missing; a symlink to one is
//!   written through, and stays a symlink; `.` works). A regular file is
//!   refused before anything is written.
//! * **Whose files.** Every batch writes `.cashapply-manifest` beside its
//!   files: one line `SHA-256  NAME` per file written. A file of one of
//!   cashapply's names is replaced only when it is a regular file whose
//!   content still has the digest the manifest lists; anything else of that
//!   name (a folder, a symlink, a file the user wrote or edited) is refused
//!   and left as it is. Other files in `--out` are never touched.
//! * **One run at a time.** A run holds an OS lock on `.cashapply.lock` in
//!   `--out` (holder's pid written in it) from before recovery until the
//!   batch is in place; another run waits up to [`LOCK_WAIT`] (or
//!   `CASHAPPLY_LOCK_WAIT_SECS`) and then fails naming the holder. The OS
//!   releases the lock when a process dies, so a killed run never blocks
//!   the next.
//! * **Atomic replacement.** When `--out` holds nothing but cashapply's
//!   files (the usual case), the batch is written to `.cashapply-tmp-PID/`
//!   inside it, moved beside it as `.NAME.next-PID`, and the two folders are
//!   exchanged in one `renameat2(RENAME_EXCHANGE)`: at every moment `--out`
//!   is the previous batch or the new one, never a mix (CONTRACT §6.6). A
//!   run that waited for the lock re-locks the new folder's lock file. A
//!   leftover `.NAME.next-*` (a run killed there) is removed by the next run.
//! * **File by file, recovered after a kill**, when the exchange does not
//!   apply (a user's files beside the batch, `--out .`, a symlinked
//!   `--out`, a file system without the exchange). The files are written
//!   to `.cashapply-tmp-PID/` inside `--out`; then `.cashapply-commit` is
//!   created (by a rename, so it exists whole or not at all) naming that
//!   folder; then each file is renamed into place, the manifest last; then
//!   the journal and the folder are removed. A run killed before the
//!   journal exists leaves the previous batch intact (its temporary folder
//!   is removed by the next run); one killed after finishes on the next run
//!   (roll forward), so `--out` always ends with one whole batch.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use crate::write::{OutputError, io};

/// The files a batch consists of, in the order they are put in place.
pub(crate) const OUTPUT_FILES: [&str; 4] = ["postings.csv", "exceptions.csv", "receipts.csv", "summary.json"];

/// The manifest: which files cashapply wrote, with their digests.
pub const MANIFEST: &str = ".cashapply-manifest";
/// The lock file.
pub const LOCK_FILE: &str = ".cashapply.lock";
/// The commit journal: present only while a batch is being put in place.
pub const JOURNAL: &str = ".cashapply-commit";
/// The prefix of temporary folders.
const STAGING_PREFIX: &str = ".cashapply-tmp-";

/// How long a run waits for another run writing the same `--out`.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

fn lock_wait() -> Duration {
    std::env::var("CASHAPPLY_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(LOCK_WAIT, Duration::from_secs)
}

/// `--out`, locked for this run.
pub(crate) struct OutDir {
    dir: PathBuf,
    /// Held for the life of the value; the OS releases it on exit or kill.
    _lock: File,
}

impl OutDir {
    /// Creates `out` if needed, takes the lock, and finishes or removes
    /// whatever a killed run left.
    pub(crate) fn open(out: &Path) -> Result<OutDir, OutputError> {
        if out.exists() && !out.is_dir() {
            return Err(OutputError::NotADirectory { path: out.to_path_buf() });
        }
        recover_legacy(out);
        std::fs::create_dir_all(out).map_err(io(out))?;
        let lock_path = out.join(LOCK_FILE);
        let wait = lock_wait();
        let start = Instant::now();
        let mut lock = 'locked: loop {
            let lock = Self::lock_file(out, &lock_path, wait, start)?;
            // A run that waited may find `--out` exchanged for a new folder
            // meanwhile (see [`Self::commit`]): its lock is then on the old
            // folder's file; it locks the new one instead.
            if same_file(&lock, &lock_path) {
                break 'locked lock;
            }
        };
        lock.set_len(0).map_err(io(&lock_path))?;
        lock.rewind().map_err(io(&lock_path))?;
        writeln!(lock, "{}", std::process::id()).map_err(io(&lock_path))?;
        let dir = OutDir { dir: out.to_path_buf(), _lock: lock };
        dir.recover()?;
        Ok(dir)
    }

    /// Opens `--out`'s lock file and waits for its lock (at most `wait`
    /// since `start`), then fails naming the holder.
    fn lock_file(out: &Path, lock_path: &Path, wait: Duration, start: Instant) -> Result<File, OutputError> {
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path)
            .map_err(io(lock_path))?;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = lock.read_to_string(&mut holder);
                    let holder = holder.trim().chars().take(20).collect::<String>();
                    return Err(OutputError::Locked {
                        path: out.to_path_buf(),
                        holder: if holder.is_empty() { "unknown".into() } else { holder },
                        waited: wait.as_secs(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(lock_path)(e)),
            }
        }
        Ok(lock)
    }

    /// Finishes a batch whose journal exists (roll forward), then removes
    /// temporary folders of runs killed before their journal was written,
    /// and, beside `--out`, a batch that waited for its exchange or the
    /// previous batch after it (`.NAME.next-PID`, never `--out` itself).
    /// Runs under the lock, so no other run is between its steps.
    fn recover(&self) -> Result<(), OutputError> {
        if let (Some(parent), Some(name)) =
            (self.beside().and_then(|b| b.parent().map(Path::to_path_buf)), self.dir.file_name())
        {
            let next = format!(".{}.next-", name.to_string_lossy());
            if let Ok(entries) = std::fs::read_dir(&parent) {
                for e in entries.flatten() {
                    let path = e.path();
                    if e.file_name().to_string_lossy().starts_with(&next) && path.is_dir() && !path.is_symlink() {
                        std::fs::remove_dir_all(&path).map_err(io(&path))?;
                    }
                }
            }
        }
        let journal = self.dir.join(JOURNAL);
        if journal.is_file() {
            let staged = std::fs::read_to_string(&journal).map_err(io(&journal))?;
            let staged = staged.trim();
            if staged.starts_with(STAGING_PREFIX) && !staged.contains(['/', '\\']) {
                self.put_in_place(&self.dir.join(staged))?;
            }
            std::fs::remove_file(&journal).map_err(io(&journal))?;
        }
        for entry in std::fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let entry = entry.map_err(io(&self.dir))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(STAGING_PREFIX) {
                let path = entry.path();
                if path.is_dir() && !path.is_symlink() {
                    std::fs::remove_dir_all(&path).map_err(io(&path))?;
                }
            }
        }
        Ok(())
    }

    /// Refuses when a file of a batch's name exists in `--out` and is not
    /// one cashapply wrote (see the module documentation).
    pub(crate) fn check_replaceable(&self) -> Result<(), OutputError> {
        let listed = read_manifest(&self.dir.join(MANIFEST));
        for name in OUTPUT_FILES.iter().chain(std::iter::once(&MANIFEST)) {
            let path = self.dir.join(name);
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            let why = if meta.is_dir() {
                Some("it is a folder")
            } else if meta.file_type().is_symlink() {
                Some("it is a symbolic link")
            } else if !meta.is_file() {
                Some("it is not a regular file")
            } else if *name == MANIFEST {
                None
            } else {
                match listed.iter().find(|(_, n)| n == name) {
                    // Batches written before manifests existed: without any
                    // manifest, a file that starts with cashapply's own
                    // header for that name is recognised as cashapply's.
                    None if !self.dir.join(MANIFEST).exists() && has_our_header(&path, name) => None,
                    None => Some("no .cashapply-manifest lists it, so cashapply did not write it"),
                    Some((digest, _)) if file_digest(&path).as_deref() != Some(digest.as_str()) => {
                        Some("it was changed after cashapply wrote it (its SHA-256 differs from .cashapply-manifest)")
                    }
                    Some(_) => None,
                }
            };
            if let Some(why) = why {
                return Err(OutputError::NotOurs { path: path.clone(), why: why.to_string() });
            }
        }
        Ok(())
    }

    /// Writes a batch into a fresh temporary folder inside `--out`, with
    /// its manifest; the folder is removed again if writing fails.
    pub(crate) fn stage(&self, write: impl FnOnce(&Path) -> Result<(), OutputError>) -> Result<PathBuf, OutputError> {
        let staging = self.dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        std::fs::create_dir(&staging).map_err(io(&staging))?;
        let written = write(&staging).and_then(|()| write_manifest(&staging));
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        Ok(staging)
    }

    /// Puts a staged batch in place. When `--out` holds nothing but
    /// cashapply's files (and is not a symbolic link or the working
    /// folder), the staged folder takes `--out`'s place in one atomic
    /// exchange of the two folders (Linux `renameat2(RENAME_EXCHANGE)`), so
    /// `--out` holds the previous batch or the new one at every moment,
    /// never a mix (CONTRACT §6.6). Otherwise (a user's files beside the
    /// batch, `--out .`, a symlink, a file system without the exchange) the
    /// journal first, then the files one by one, finished by the next run
    /// if this one is killed.
    pub(crate) fn commit(&self, staging: &Path) -> Result<(), OutputError> {
        if self.exchange(staging)? {
            return Ok(());
        }
        self.begin_commit(staging)?;
        self.put_in_place(staging)?;
        let journal = self.dir.join(JOURNAL);
        std::fs::remove_file(&journal).map_err(io(&journal))
    }

    /// The folder beside `--out` a batch waits in before the exchange:
    /// `.NAME.next-PID`.
    fn beside(&self) -> Option<PathBuf> {
        let name = self.dir.file_name()?.to_string_lossy().into_owned();
        let parent = match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Some(parent.join(format!(".{name}.next-{}", std::process::id())))
    }

    /// True when `--out` may be exchanged as a whole: a real folder, not
    /// the working folder, holding only cashapply's own entries.
    fn exchangeable(&self) -> bool {
        let real = std::fs::symlink_metadata(&self.dir).is_ok_and(|m| m.is_dir());
        let cwd = std::env::current_dir().ok().and_then(|c| c.canonicalize().ok());
        let here = self.dir.canonicalize().ok();
        let ours = std::fs::read_dir(&self.dir).is_ok_and(|entries| {
            entries.flatten().all(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                OUTPUT_FILES.contains(&n.as_str())
                    || n == MANIFEST
                    || n == LOCK_FILE
                    || n == JOURNAL
                    || n.starts_with(STAGING_PREFIX)
            })
        });
        real && here.is_some() && here != cwd && ours
    }

    /// The atomic exchange of [`Self::commit`]; `false` when it does not
    /// apply (nothing changed then).
    fn exchange(&self, staging: &Path) -> Result<bool, OutputError> {
        let Some(next) = self.beside().filter(|_| self.exchangeable()) else { return Ok(false) };
        if next.exists() {
            std::fs::remove_dir_all(&next).map_err(io(&next))?;
        }
        std::fs::rename(staging, &next).map_err(io(&next))?;
        // The new folder's own lock file, for the runs that come after.
        let lock = next.join(LOCK_FILE);
        std::fs::write(&lock, b"").map_err(io(&lock))?;
        let swapped = rustix::fs::renameat_with(
            rustix::fs::CWD,
            &next,
            rustix::fs::CWD,
            &self.dir,
            rustix::fs::RenameFlags::EXCHANGE,
        );
        if swapped.is_err() {
            // No exchange here: back inside `--out`, for the journal way.
            let _ = std::fs::remove_file(&lock);
            std::fs::rename(&next, staging).map_err(io(staging))?;
            return Ok(false);
        }
        // `next` now holds the previous batch: a leftover is removed by the
        // next run if this fails.
        let _ = std::fs::remove_dir_all(&next);
        Ok(true)
    }

    /// Writes the journal naming the staged folder (by a rename, so it is
    /// whole or absent). From here on the batch is finished even if killed.
    pub(crate) fn begin_commit(&self, staging: &Path) -> Result<(), OutputError> {
        let name = staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let pending = self.dir.join(format!("{JOURNAL}.new"));
        std::fs::write(&pending, format!("{name}\n")).map_err(io(&pending))?;
        let journal = self.dir.join(JOURNAL);
        std::fs::rename(&pending, &journal).map_err(io(&journal))
    }

    /// Renames each staged file over its name in `--out` (manifest last)
    /// and removes the staged folder. Files already moved are skipped, so
    /// this may be repeated after a kill.
    pub(crate) fn put_in_place(&self, staging: &Path) -> Result<(), OutputError> {
        for name in OUTPUT_FILES.iter().chain(std::iter::once(&MANIFEST)) {
            let from = staging.join(name);
            if from.is_file() {
                let to = self.dir.join(name);
                std::fs::rename(&from, &to).map_err(io(&to))?;
            }
        }
        if staging.is_dir() {
            std::fs::remove_dir_all(staging).map_err(io(staging))?;
        }
        Ok(())
    }
}

/// The first bytes cashapply has always written to each of its files.
fn has_our_header(path: &Path, name: &str) -> bool {
    let start: &[u8] = match name {
        "postings.csv" => b"batch_id,line,receipt_id,bank_ref,value_date,currency,customer_id,invoice_id,kind,amount,rule,confidence\n",
        "exceptions.csv" => b"exception_id,kind,receipt_id,bank_ref,customer_id,invoice_id,amount,suggestions,detail",
        "receipts.csv" => b"receipt_id,bank_ref,source_file,format,account,value_date,currency,amount,payer_name,customer_id,status,remittance\n",
        "summary.json" => b"{\n  \"batch_id\": ",
        _ => return false,
    };
    let mut head = vec![0u8; start.len()];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == start
}

/// Earlier versions wrote a whole folder beside `--out` (`.NAME.tmp-PID`)
/// and swapped it in with two renames (`--out` to `.NAME.old-PID`, then
/// the new folder to `--out`). A run killed there left `--out` missing and
/// both batches hidden. Such folders holding nothing but cashapply's four
/// files are dealt with first: with `--out` missing, the newest `.old-`
/// folder (the previous batch) is put back; the rest are removed. Best
/// effort: a failure leaves them as they were.
fn recover_legacy(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else { return };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let name = name.to_string_lossy();
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));

    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut found: Vec<(bool, std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let is_old = file.starts_with(&old);
            let path = e.path();
            let ours = (is_old || file.starts_with(&tmp))
                && path.is_dir()
                && !path.is_symlink()
                && std::fs::read_dir(&path).is_ok_and(|inner| {
                    inner.flatten().all(|f| OUTPUT_FILES.iter().any(|o| f.file_name().as_os_str() == *o))
                });
            let modified = e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
            ours.then_some((is_old, modified, path))
        })
        .collect();
    found.sort();
    if !out.exists()
        && let Some(pos) = found.iter().rposition(|(is_old, _, _)| *is_old)
    {
        let (_, _, previous) = found.remove(pos);
        let _ = std::fs::rename(previous, out);
    }
    for (_, _, path) in found {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// True when the open `file` is the one at `path` now (same device and
/// inode).
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// SHA-256 of a file's content, read in pieces; `None` when unreadable.
fn file_digest(path: &Path) -> Option<String> {
    let mut file = File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n)?);
    }
    Some(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The manifest's `(digest, name)` lines; empty when absent or unreadable.
fn read_manifest(path: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  "))
        .map(|(d, n)| (d.trim().to_string(), n.trim().to_string()))
        .collect()
}

/// Writes `.cashapply-manifest` for the files staged in `dir`.
fn write_manifest(dir: &Path) -> Result<(), OutputError> {
    let mut text = String::from("# written by cashapply: SHA-256 and name of each file of this batch\n");
    for name in OUTPUT_FILES {
        let path = dir.join(name);
        let digest = file_digest(&path).ok_or_else(|| {
            io(&path)(std::io::Error::new(std::io::ErrorKind::NotFound, "written file cannot be read back"))
        })?;
        text.push_str(&format!("{digest}  {name}\n"));
    }
    let path = dir.join(MANIFEST);
    std::fs::write(&path, text).map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stages a batch whose every file holds `tag`.
    fn stage(out: &OutDir, tag: &str) -> PathBuf {
        out.stage(|dir| {
            for name in OUTPUT_FILES {
                std::fs::write(dir.join(name), format!("{tag} {name}\n")).map_err(io(dir))?;
            }
            Ok(())
        })
        .unwrap()
    }

    fn content(dir: &Path) -> Vec<String> {
        OUTPUT_FILES.iter().map(|n| std::fs::read_to_string(dir.join(n)).unwrap_or_default()).collect()
    }

    fn batch(tag: &str) -> Vec<String> {
        OUTPUT_FILES.iter().map(|n| format!("{tag} {n}\n")).collect()
    }

    fn hidden_leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(STAGING_PREFIX) || n == JOURNAL)
            .collect()
    }

    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().ino()
    }

    #[test]
    fn a_folder_of_cashapplys_files_only_is_replaced_by_one_atomic_exchange_never_a_mix() {
        let tmp = tempfile::tempdir().unwrap();
        let out_path = tmp.path().join("out");
        let out = OutDir::open(&out_path).unwrap();
        let first = stage(&out, "old");
        out.commit(&first).unwrap();
        let before = inode(&out_path);
        let second = stage(&out, "new");
        out.commit(&second).unwrap();
        // The folder itself was exchanged: no moment held some old files and some new ones.
        assert_ne!(inode(&out_path), before);
        assert_eq!(content(&out_path), batch("new"));
        assert!(hidden_leftovers(&out_path).is_empty());
        let beside: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(beside, ["out"], "nothing left beside --out");
        drop(out);
        // The next run locks the new folder's lock file.
        let again = OutDir::open(&out_path).unwrap();
        assert!(same_file(&again._lock, &out_path.join(LOCK_FILE)));
    }

    #[test]
    fn a_folder_holding_a_users_file_is_updated_file_by_file_and_the_users_file_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let out_path = tmp.path().join("out");
        std::fs::create_dir(&out_path).unwrap();
        std::fs::write(out_path.join("notes.txt"), "mine").unwrap();
        let before = inode(&out_path);
        let out = OutDir::open(&out_path).unwrap();
        let staged = stage(&out, "new");
        out.commit(&staged).unwrap();
        assert_eq!(inode(&out_path), before, "not exchanged: the user's file must stay where it is");
        assert_eq!(std::fs::read_to_string(out_path.join("notes.txt")).unwrap(), "mine");
        assert_eq!(content(&out_path), batch("new"));
    }

    #[test]
    fn a_run_killed_while_its_batch_waited_beside_out_leaves_the_previous_batch_and_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let out_path = tmp.path().join("out");
        let out = OutDir::open(&out_path).unwrap();
        let first = stage(&out, "old");
        out.commit(&first).unwrap();
        drop(out);
        // A killed run's batch beside `--out`, before the exchange.
        let waiting = tmp.path().join(".out.next-999999");
        std::fs::create_dir(&waiting).unwrap();
        for name in OUTPUT_FILES {
            std::fs::write(waiting.join(name), "half").unwrap();
        }
        assert_eq!(content(&out_path), batch("old"));
        let _next = OutDir::open(&out_path).unwrap();
        assert!(!waiting.exists());
        assert_eq!(content(&out_path), batch("old"));
    }

    #[test]
    fn a_run_killed_before_its_journal_leaves_the_previous_batch_and_the_next_run_removes_its_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        let old = stage(&out, "old");
        out.commit(&old).unwrap();
        let _killed = stage(&out, "new");
        drop(out);
        assert_eq!(content(tmp.path()), batch("old"));
        let _next = OutDir::open(tmp.path()).unwrap();
        assert_eq!(content(tmp.path()), batch("old"));
        assert!(hidden_leftovers(tmp.path()).is_empty());
    }

    #[test]
    fn a_run_killed_between_two_renames_is_finished_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        let old = stage(&out, "old");
        out.commit(&old).unwrap();
        let new = stage(&out, "new");
        out.begin_commit(&new).unwrap();
        // Killed after the first file was renamed into place.
        std::fs::rename(new.join("postings.csv"), tmp.path().join("postings.csv")).unwrap();
        drop(out);
        let mixed = content(tmp.path());
        assert_eq!(mixed[0], "new postings.csv\n");
        assert_eq!(mixed[1], "old exceptions.csv\n");
        let next = OutDir::open(tmp.path()).unwrap();
        assert_eq!(content(tmp.path()), batch("new"), "rolled forward");
        assert!(hidden_leftovers(tmp.path()).is_empty());
        next.check_replaceable().unwrap();
    }

    #[test]
    fn a_run_killed_after_the_journal_but_before_any_rename_is_finished_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::open(tmp.path()).unwrap();
        let new = stage(&out, "new");
        out.begin_commit(&new).unwrap();
        drop(out);
        assert!(!tmp.path().join("postings.csv").exists());
        let next = OutDir::open(tmp.path()).unwrap();
        assert_eq!(content(tmp.path()), batch("new"));
        next.check_replaceable().unwrap();
    }

    #[test]
    fn a_run_of_the_old_two_rename_design_killed_between_renames_gets_its_previous_batch_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let (old, new) = (tmp.path().join(".out.old-41"), tmp.path().join(".out.tmp-41"));
        for (dir, tag) in [(&old, "old"), (&new, "new")] {
            std::fs::create_dir(dir).unwrap();
            for name in OUTPUT_FILES {
                std::fs::write(dir.join(name), format!("{tag} {name}\n")).unwrap();
            }
        }
        let users = tmp.path().join(".out.tmp-mine");
        std::fs::create_dir(&users).unwrap();
        std::fs::write(users.join("notes.txt"), "mine").unwrap();
        let dir = OutDir::open(&out).unwrap();
        assert_eq!(content(&out), batch("old"), "the previous batch is back in --out");
        assert!(!old.exists() && !new.exists());
        assert!(users.join("notes.txt").exists(), "a folder holding anything else is left alone");
        // Written before manifests: recognised by cashapply's own headers only.
        assert!(matches!(dir.check_replaceable(), Err(OutputError::NotOurs { .. })), "'old postings.csv' is no header");
        std::fs::write(out.join("postings.csv"), "batch_id,line,receipt_id,bank_ref,value_date,currency,customer_id,invoice_id,kind,amount,rule,confidence\n").unwrap();
        for name in ["exceptions.csv", "receipts.csv", "summary.json"] {
            std::fs::remove_file(out.join(name)).unwrap();
        }
        dir.check_replaceable().unwrap();
    }

    #[test]
    fn a_journal_naming_a_path_outside_out_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(JOURNAL), "../elsewhere\n").unwrap();
        let _out = OutDir::open(tmp.path()).unwrap();
        assert!(!tmp.path().join(JOURNAL).exists());
        assert!(!tmp.path().join("postings.csv").exists());
    }
}
