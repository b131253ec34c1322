//! Table headers read once per version of their file. `ofit lsp` lints a spec's data files
//! after every change; a header is read again only when its file's modification time or
//! length changes, so typing never waits on a file it has already read (say, on a slow
//! network mount). A failed read is not kept: it is tried again.

use super::table::Row;
use crate::ir::TableFormat;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// What identifies a version of a file.
type Stamp = (Option<SystemTime>, u64);

/// Each header read, by file and format, with the version of the file it was read from.
type Headers = HashMap<(PathBuf, TableFormat), (Stamp, Option<Row>)>;

/// Headers by file and format, with the version of the file each was read from.
#[derive(Default)]
pub(super) struct HeaderCache {
    headers: Mutex<Headers>,
}

impl HeaderCache {
    /// The process's cache.
    pub fn shared() -> &'static HeaderCache {
        static SHARED: OnceLock<HeaderCache> = OnceLock::new();
        SHARED.get_or_init(HeaderCache::default)
    }

    /// The header of `path`, from the cache when the file has not changed since, else
    /// from `read`.
    pub fn get_or_read<E>(
        &self,
        path: &Path,
        format: TableFormat,
        read: impl FnOnce() -> Result<Option<Row>, E>,
    ) -> Result<Option<Row>, E> {
        let Ok(meta) = std::fs::metadata(path) else {
            return read();
        };
        let stamp = (meta.modified().ok(), meta.len());
        let key = (path.to_path_buf(), format);
        if let Some((kept, row)) = self.lock().get(&key) {
            if *kept == stamp {
                return Ok(row.clone());
            }
        }
        let row = read()?;
        self.lock().insert(key, (stamp, row.clone()));
        Ok(row)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Headers> {
        // A panic while the lock was held left a map that is still whole.
        self.headers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_header_is_read_once_until_its_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let cache = HeaderCache::default();
        let reads = Cell::new(0);
        let read = || -> Result<Option<Row>, std::io::Error> {
            reads.set(reads.get() + 1);
            Ok(super::super::csv::header(&path).unwrap())
        };
        let first = cache
            .get_or_read(&path, TableFormat::Csv, read)
            .unwrap()
            .unwrap();
        let second = cache
            .get_or_read(&path, TableFormat::Csv, read)
            .unwrap()
            .unwrap();
        assert_eq!(
            (first.cells, second.cells.len(), reads.get()),
            (vec!["a".into(), "b".into()], 2, 1)
        );
        std::fs::write(&path, "a,b,c\n1,2,3\n").unwrap();
        let third = cache
            .get_or_read(&path, TableFormat::Csv, read)
            .unwrap()
            .unwrap();
        assert_eq!(
            (third.cells.len(), reads.get()),
            (3, 2),
            "a changed file is read again"
        );
    }

    #[test]
    fn a_failed_read_is_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "a\n").unwrap();
        let cache = HeaderCache::default();
        let failed: Result<Option<Row>, &str> =
            cache.get_or_read(&path, TableFormat::Csv, || Err("no"));
        assert!(failed.is_err());
        let read: Result<Option<Row>, &str> =
            cache.get_or_read(&path, TableFormat::Csv, || Ok(None));
        assert!(read.unwrap().is_none());
    }
}
