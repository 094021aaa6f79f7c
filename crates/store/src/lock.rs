//! One writer at a time (CONTRACT §6.6): a lock file beside the ledger
//! (`FILE.lock`), held with the operating system's advisory file lock for
//! as long as a run (or confirm, unapply, reversal) lasts. The lock goes
//! with the process, so a killed run never leaves it held. The holder
//! writes who it is into the file, so a run that gives up can name it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::StoreError;

/// A held write lock on a ledger; released when dropped.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
}

/// The lock file of the ledger at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let name = db.file_name().map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!("{name}.lock"))
}

impl WriteLock {
    /// Takes the lock of the ledger at `db`, waiting up to `wait` for
    /// another holder; `holder` describes this process (written into the
    /// lock file). Gives up with [`StoreError::Busy`] naming the holder.
    pub fn acquire(db: &Path, holder: &str, wait: Duration) -> Result<WriteLock, StoreError> {
        let path = lock_path(db);
        let io = |source| StoreError::Io { path: path.clone(), source };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() >= wait {
                        let mut text = String::new();
                        let _ = file.read_to_string(&mut text);
                        let holder = text.trim().to_string();
                        return Err(StoreError::Busy { path: db.to_path_buf(), holder, waited: wait });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(WriteLock { file })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_gives_up_after_the_wait_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cashapply.db");
        let first = WriteLock::acquire(&db, "run pid 1 since 06:00", Duration::from_millis(10)).unwrap();
        let start = Instant::now();
        let err = WriteLock::acquire(&db, "run pid 2", Duration::from_millis(300)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(300));
        assert!(err.to_string().contains("run pid 1 since 06:00"), "{err}");
        drop(first);
        WriteLock::acquire(&db, "run pid 2", Duration::from_millis(10)).unwrap();
    }
}
