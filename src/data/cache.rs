//! The data cache: where it is, atomic writes, and the binary corpus file.
//!
//! Nothing in the cache is trusted: a file written by an interrupted run never exists
//! (every write goes to a temporary file that is renamed into place), and the corpus file
//! carries a version and a checksum that are verified on every load.

use super::corpus::{Corpus, Sequences, TextCorpus, TextSplit};
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
const VERSION: u32 = 2;
/// Magic, version, checksum, payload length.
const HEADER: usize = 8 + 4 + 4 + 8;

/// Writes a corpus: a header (magic, format version, CRC-32 of the payload, payload
/// length) and the payload (every word in rank order, then each split's offsets, ids and
/// labels as little-endian integers).
pub fn save_corpus(path: &Path, corpus: &Corpus) -> Result<(), DataError> {
    let mut payload =
        Vec::with_capacity(4 * (corpus.train.ids.len() + corpus.test.ids.len()) + 1024);
    put_strings(&mut payload, &corpus.words);
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
    Ok(crate::file::write_atomic(
        path,
        &seal(MAGIC, VERSION, &payload),
    )?)
}

/// A cache file's bytes: magic, version, CRC-32 of the payload, payload length, payload.
fn seal(magic: &[u8; 8], version: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(magic);
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    put_u64(&mut bytes, payload.len() as u64);
    bytes.extend_from_slice(payload);
    bytes
}

/// A cache file's payload, checked: `Ok(None)` when there is no file, `Err(Damaged)` for
/// another kind or version of file, a truncated one, or a checksum that fails.
fn unseal(path: &Path, magic: &[u8; 8], expected: u32) -> Result<Option<Vec<u8>>, DataError> {
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DataError::io("read", path, &e)),
    };
    let damaged = |reason: &str| DataError::Damaged {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if bytes.len() < HEADER || &bytes[..8] != magic {
        return Err(damaged("it is not an ofit corpus file"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != expected {
        return Err(damaged(&format!(
            "it has format version {version}, this ofit writes {expected}"
        )));
    }
    let crc = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    let length = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    let payload = bytes.split_off(HEADER);
    if payload.len() as u64 != length {
        return Err(damaged(&format!(
            "it holds {} bytes of data, its header says {length}",
            payload.len()
        )));
    }
    if crc32fast::hash(&payload) != crc {
        return Err(damaged("its checksum does not match its contents"));
    }
    Ok(Some(payload))
}

/// The first bytes of a text CSV corpus file.
const TEXT_MAGIC: &[u8; 8] = b"OFITTEXT";
/// Bumped whenever its layout or the tokenization changes.
const TEXT_VERSION: u32 = 2;

/// Writes a CSV file's tokenized and indexed text, sealed as [`save_corpus`] seals the
/// IMDB corpus: every word in rank order, class names, then each split (train, validation,
/// and a flag and the test split) as offsets, ids and `f32` labels.
pub fn save_text_corpus(path: &Path, corpus: &TextCorpus) -> Result<(), DataError> {
    let mut payload = Vec::new();
    put_strings(&mut payload, &corpus.words);
    match &corpus.classes {
        None => put_u64(&mut payload, 0),
        Some(classes) => {
            put_u64(&mut payload, 1);
            put_strings(&mut payload, classes);
        }
    }
    let put_split = |payload: &mut Vec<u8>, split: &TextSplit| {
        put_u64(payload, split.len() as u64);
        put_u64(payload, split.ids.len() as u64);
        for &o in &split.offsets {
            payload.extend_from_slice(&o.to_le_bytes());
        }
        for &id in &split.ids {
            payload.extend_from_slice(&id.to_le_bytes());
        }
        for &l in &split.labels {
            payload.extend_from_slice(&l.to_le_bytes());
        }
    };
    put_split(&mut payload, &corpus.train);
    put_split(&mut payload, &corpus.validation);
    put_u64(&mut payload, u64::from(corpus.test.is_some()));
    if let Some(test) = &corpus.test {
        put_split(&mut payload, test);
    }
    Ok(crate::file::write_atomic(
        path,
        &seal(TEXT_MAGIC, TEXT_VERSION, &payload),
    )?)
}

/// Reads a text CSV corpus file: `Ok(None)` when there is none, `Err(Damaged)` as
/// [`load_corpus`].
pub fn load_text_corpus(path: &Path) -> Result<Option<TextCorpus>, DataError> {
    let Some(payload) = unseal(path, TEXT_MAGIC, TEXT_VERSION)? else {
        return Ok(None);
    };
    let mut reader = Reader {
        bytes: &payload,
        at: 0,
    };
    reader
        .text_corpus()
        .map(Some)
        .ok_or_else(|| DataError::Damaged {
            path: path.to_path_buf(),
            reason: "its contents are inconsistent".to_string(),
        })
}

fn put_strings(out: &mut Vec<u8>, strings: &[String]) {
    put_u64(out, strings.len() as u64);
    for s in strings {
        put_u64(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
}

/// Reads a corpus file. `Ok(None)` when there is none; `Err(Damaged)` when the file is
/// from another version, truncated, or fails its checksum.
pub fn load_corpus(path: &Path) -> Result<Option<Corpus>, DataError> {
    let Some(payload) = unseal(path, MAGIC, VERSION)? else {
        return Ok(None);
    };
    let mut reader = Reader {
        bytes: &payload,
        at: 0,
    };
    let corpus = reader.corpus().ok_or_else(|| DataError::Damaged {
        path: path.to_path_buf(),
        reason: "its contents are inconsistent".to_string(),
    })?;
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

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = usize::try_from(self.u64()?).ok()?;
        let mut out = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let len = usize::try_from(self.u64()?).ok()?;
            out.push(String::from_utf8(self.take(len)?.to_vec()).ok()?);
        }
        Some(out)
    }

    fn text_split(&mut self) -> Option<TextSplit> {
        let rows = usize::try_from(self.u64()?).ok()?;
        let ids = usize::try_from(self.u64()?).ok()?;
        let offsets = self.u32s(rows.checked_add(1)?)?;
        let ids = self.u32s(ids)?;
        let labels = self.u32s(rows)?.into_iter().map(f32::from_bits).collect();
        let consistent = offsets.first() == Some(&0)
            && offsets.last().map(|&o| o as usize) == Some(ids.len())
            && offsets.windows(2).all(|w| w[0] <= w[1]);
        consistent.then_some(TextSplit {
            offsets,
            ids,
            labels,
        })
    }

    fn text_corpus(&mut self) -> Option<TextCorpus> {
        let words = self.strings()?;
        let classes = match self.u64()? {
            0 => None,
            1 => Some(self.strings()?),
            _ => return None,
        };
        let train = self.text_split()?;
        let validation = self.text_split()?;
        let test = match self.u64()? {
            0 => None,
            1 => Some(self.text_split()?),
            _ => return None,
        };
        (self.at == self.bytes.len()).then_some(TextCorpus {
            train,
            validation,
            test,
            words,
            classes,
        })
    }

    fn corpus(&mut self) -> Option<Corpus> {
        let words = self.strings()?;
        let train = self.sequences()?;
        let test = self.sequences()?;
        (self.at == self.bytes.len()).then_some(Corpus { train, test, words })
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
