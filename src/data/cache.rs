//! The data cache: where it is, atomic writes, and the binary corpus file.
//!
//! Nothing in the cache is trusted: a file written by an interrupted run never exists
//! (every write goes to a temporary file that is renamed into place), and the corpus file
//! carries a version and a checksum that are verified on every load.

use super::corpus::{Corpus, Sequences};
use super::DataError;
use std::path::{Path, PathBuf};

/// The default cache directory, given the platform's cache directory (`~/.cache` on
/// Linux, e.g. `dirs::cache_dir()`): `ofit` in it, else `.ofit-cache` in the working
/// directory. It reads no environment variable; the command line lets `OFIT_DATA_DIR`
/// override it.
pub fn default_dir(platform_cache_dir: Option<&Path>) -> PathBuf {
    platform_cache_dir
        .map(|d| d.join("ofit"))
        .unwrap_or_else(|| PathBuf::from(".ofit-cache"))
}

/// Creates `dir` (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), DataError> {
    Ok(crate::file::ensure_dir(dir)?)
}

/// The first bytes of a corpus file.
const MAGIC: &[u8; 8] = b"OFITCORP";
/// Bumped whenever the layout or the tokenization changes, so old files are rebuilt.
const VERSION: u32 = 1;
/// Magic, version, checksum, payload length.
const HEADER: usize = 8 + 4 + 4 + 8;

/// Writes a corpus: a header (magic, format version, CRC-32 of the payload, payload
/// length) and the payload (vocabulary, top words, then each split's offsets, ids and
/// labels as little-endian integers).
pub fn save_corpus(path: &Path, corpus: &Corpus) -> Result<(), DataError> {
    let mut payload =
        Vec::with_capacity(4 * (corpus.train.ids.len() + corpus.test.ids.len()) + 1024);
    put_u64(&mut payload, corpus.vocabulary as u64);
    put_u64(&mut payload, corpus.top_words.len() as u64);
    for word in &corpus.top_words {
        put_u64(&mut payload, word.len() as u64);
        payload.extend_from_slice(word.as_bytes());
    }
    for split in [&corpus.train, &corpus.test] {
        put_u64(&mut payload, split.labels.len() as u64);
        put_u64(&mut payload, split.ids.len() as u64);
        for &o in &split.offsets {
            payload.extend_from_slice(&o.to_le_bytes());
        }
        for &id in &split.ids {
            payload.extend_from_slice(&id.to_le_bytes());
        }
        payload.extend_from_slice(&split.labels);
    }
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    put_u64(&mut bytes, payload.len() as u64);
    bytes.extend_from_slice(&payload);
    Ok(crate::file::write_atomic(path, &bytes)?)
}

/// Reads a corpus file. `Ok(None)` when there is none; `Err(Damaged)` when the file is
/// from another version, truncated, or fails its checksum.
pub fn load_corpus(path: &Path) -> Result<Option<Corpus>, DataError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DataError::io("read", path, &e)),
    };
    let damaged = |reason: &str| DataError::Damaged {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(damaged("it is not an ofit corpus file"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(damaged(&format!(
            "it has format version {version}, this ofit writes {VERSION}"
        )));
    }
    let crc = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    let length = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != length {
        return Err(damaged(&format!(
            "it holds {} bytes of data, its header says {length}",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(damaged("its checksum does not match its contents"));
    }
    let mut reader = Reader {
        bytes: payload,
        at: 0,
    };
    let corpus = reader
        .corpus()
        .ok_or_else(|| damaged("its contents are inconsistent"))?;
    Ok(Some(corpus))
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Reads the payload; `None` on any inconsistency (which the checksum makes unlikely).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
        let raw = self.take(n.checked_mul(4)?)?;
        Some(
            raw.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    fn sequences(&mut self) -> Option<Sequences> {
        let rows = usize::try_from(self.u64()?).ok()?;
        let ids = usize::try_from(self.u64()?).ok()?;
        let offsets = self.u32s(rows.checked_add(1)?)?;
        let ids = self.u32s(ids)?;
        let labels = self.take(rows)?.to_vec();
        let consistent = offsets.first() == Some(&0)
            && offsets.last().map(|&o| o as usize) == Some(ids.len())
            && offsets.windows(2).all(|w| w[0] <= w[1]);
        consistent.then_some(Sequences {
            offsets,
            ids,
            labels,
        })
    }

    fn corpus(&mut self) -> Option<Corpus> {
        let vocabulary = usize::try_from(self.u64()?).ok()?;
        let words = usize::try_from(self.u64()?).ok()?;
        let mut top_words = Vec::with_capacity(words.min(64));
        for _ in 0..words {
            let len = usize::try_from(self.u64()?).ok()?;
            top_words.push(String::from_utf8(self.take(len)?.to_vec()).ok()?);
        }
        let train = self.sequences()?;
        let test = self.sequences()?;
        (self.at == self.bytes.len()).then_some(Corpus {
            train,
            test,
            vocabulary,
            top_words,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::corpus::Review;

    fn corpus() -> Corpus {
        let review = |t: &str, l| Review {
            text: t.to_string(),
            label: l,
        };
        Corpus::build(&[review("a b b", 1), review("c", 0)], &[review("b a", 0)])
    }

    #[test]
    fn a_saved_corpus_loads_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.corpus");
        save_corpus(&path, &corpus()).unwrap();
        assert_eq!(load_corpus(&path).unwrap(), Some(corpus()));
    }

    #[test]
    fn an_absent_corpus_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_corpus(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn every_kind_of_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.corpus");
        save_corpus(&path, &corpus()).unwrap();
        let good = std::fs::read(&path).unwrap();
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut old = good.clone();
        old[8] = 0;
        let cases: [(&[u8], &str); 4] = [
            (&good[..good.len() - 3], "holds"),
            (&flipped, "checksum"),
            (&old, "format version 0"),
            (b"hello", "not an ofit corpus file"),
        ];
        for (bytes, why) in cases {
            std::fs::write(&path, bytes).unwrap();
            let error = load_corpus(&path).unwrap_err().to_string();
            assert!(
                error.contains("is damaged") && error.contains(why),
                "{error}"
            );
        }
    }
}
