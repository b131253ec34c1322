//! Files, once for every stage: the one I/O error (what was attempted, on which path, why,
//! in words) and the one atomic writer (a file is either absent or complete, whatever
//! kills the process when).

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file operation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} `{}`: {reason}", path.display())]
pub struct IoError {
    /// What was attempted: "read", "write", "create directory" …
    pub action: &'static str,
    /// The path concerned.
    pub path: PathBuf,
    /// The operating system's reason, in words.
    pub reason: String,
}

impl IoError {
    /// `action` on `path` failed with `error`.
    pub fn new(action: &'static str, path: &Path, error: &std::io::Error) -> Self {
        IoError {
            action,
            path: path.to_path_buf(),
            reason: reason(error),
        }
    }

    /// A closure for `map_err`: `action` on `path` failed.
    pub fn on<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> IoError + 'a {
        move |e| IoError::new(action, path, &e)
    }

    /// Whether the disk (or the quota) is full.
    pub fn is_disk_full(&self) -> bool {
        self.reason == reason(&std::io::ErrorKind::StorageFull.into())
    }
}

/// An I/O error in words, without Rust's `(os error N)` suffix.
pub fn reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::NotADirectory => "a part of the path is not a directory".to_string(),
        ErrorKind::IsADirectory => "it is a directory".to_string(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "the disk is full".to_string(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_string(),
        _ => {
            let text = error.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_string()
        }
    }
}

/// The reason of an I/O failure that a library reported only as text ending in Rust's
/// `(os error N)`, in the words of [`reason`]; the text as it is when it has no such code.
pub fn reason_in_message(message: &str) -> String {
    let code = message
        .rsplit_once("(os error ")
        .and_then(|(_, rest)| rest.split(')').next()?.parse::<i32>().ok());
    match code {
        Some(code) => reason(&std::io::Error::from_raw_os_error(code)),
        None => message.to_string(),
    }
}

/// Reads a whole text file.
pub fn read_to_string(path: &Path) -> Result<String, IoError> {
    std::fs::read_to_string(path).map_err(IoError::on("read", path))
}

/// Creates `dir` (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(dir).map_err(IoError::on("create directory", dir))
}

/// The start of the name of a file [`write_atomic`] is writing, before it is renamed into
/// place: another process may see one in a directory it shares.
pub const TMP_PREFIX: &str = ".ofit-tmp-";

/// Writes `bytes` to `path` so that `path` is either absent or complete: a temporary file
/// in the same directory is written, flushed to disk and renamed over `path`. On failure
/// the temporary file is removed and `path` is as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    ensure_dir(dir)?;
    let mut file = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(IoError::on("create a file in", dir))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| IoError::new("write", path, &e))?;
    // A temporary file is private (0600); what ofit keeps is an ordinary readable file,
    // and a file it rewrites (a spec, under `ofit fmt`) keeps its permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        let readable = std::fs::Permissions::from_mode(mode);
        file.as_file()
            .set_permissions(readable)
            .map_err(|e| IoError::new("write", path, &e))?;
    }
    file.persist(path)
        .map_err(|e| IoError::new("write", path, &e.error))?;
    Ok(())
}

/// The SHA-256 of `bytes` in lower-case hex: how ofit names and checks what it keeps.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Flushes a directory's entries to disk where the platform allows it, so that a rename
/// into it survives a power cut.
pub fn sync_dir(dir: &Path) {
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"first, longer text").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_os_error_inside_a_message_is_said_in_words() {
        assert_eq!(
            reason_in_message(
                "I/O error: cannot write to 'x': No space left on device (os error 28)"
            ),
            "the disk is full"
        );
        assert_eq!(reason_in_message("bad header"), "bad header");
    }

    #[test]
    fn an_io_error_says_what_where_and_why_in_words() {
        let error = read_to_string(Path::new("/no/such/file")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read `/no/such/file`: no such file or directory"
        );
    }
}
