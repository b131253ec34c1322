//! Claims: how workers that share a run directory, on one machine or on many that mount it
//! over NFS, train each model once between them.
//!
//! A claim on a model is a file `claim.<n>` in its folder, created with `O_CREAT|O_EXCL`
//! (exclusive creation, which NFS v3 and later carry out on the server; `flock` is not
//! relied on, as NFS does not give its semantics everywhere). The highest `n` is the claim
//! that holds. Its holder rewrites it (a new file renamed over it) every
//! [`ClaimTimeout::beat`] with a count that goes up, and deletes it when the model is done
//! or the worker stops. A claim whose count has not changed for the timeout, as another
//! worker's own clock measures it (so clocks that differ between machines do not matter),
//! or whose holder is a process on the same host that no longer exists, has expired:
//! another worker takes the model over by creating `claim.<n+1>`, which only one can do,
//! and resumes it from its newest checkpoint. A holder that sees a higher claim than its
//! own has lost the model (it was taken for dead) and stops training it.

use crate::file::{self, IoError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A claim file's name is this, then its number.
pub const CLAIM_PREFIX: &str = "claim.";

/// How long a claim lives without a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClaimTimeout(pub Duration);

impl Default for ClaimTimeout {
    /// 60 s: a worker that stalls (a long garbage-free pause, a slow NFS write) for less
    /// keeps its model.
    fn default() -> Self {
        ClaimTimeout(Duration::from_secs(60))
    }
}

impl ClaimTimeout {
    /// How often a holder renews its claim: six times a timeout.
    pub fn beat(self) -> Duration {
        self.0 / 6
    }
}

/// What a claim file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// The holder's host name.
    pub host: String,
    /// The holder's process id.
    pub pid: u32,
    /// Heartbeats so far: it goes up with each.
    pub beat: u64,
    /// Finished epochs of the model, as the holder last said.
    pub epoch: usize,
    /// Epochs the model trains.
    pub epochs: usize,
    /// When the holder last wrote it, seconds since the Unix epoch (by the holder's clock:
    /// for people to read; expiry does not trust it).
    pub at: u64,
}

/// The claim that holds on a model folder, and its number, if any.
pub fn holder(folder: &Path) -> Option<(u64, Option<ClaimRecord>)> {
    let (number, path) = newest(folder).ok()??;
    let record = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    Some((number, record))
}

/// The highest-numbered claim file in `folder`.
fn newest(folder: &Path) -> Result<Option<(u64, PathBuf)>, IoError> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IoError::new("read directory", folder, &e)),
    };
    Ok(entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let number = name.to_str()?.strip_prefix(CLAIM_PREFIX)?.parse().ok()?;
            Some((number, e.path()))
        })
        .max_by_key(|(n, _)| *n))
}

/// One worker's view of the claims in a run directory.
pub struct Claims {
    timeout: ClaimTimeout,
    host: String,
    pid: u32,
    /// Per claim file, what it held when this worker first saw it so, and when.
    seen: Mutex<HashMap<PathBuf, (String, Instant)>>,
}

/// Why a model could not be claimed now.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    /// Another worker holds it, and its claim is alive.
    By(Option<ClaimRecord>),
}

impl Claims {
    /// This process's claims, expiring after `timeout`.
    pub fn new(timeout: ClaimTimeout) -> Claims {
        Claims {
            timeout,
            host: host_name(),
            pid: std::process::id(),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Claims the model in `folder` (created if needed) for `epochs` epochs, unless a live
    /// claim holds it.
    pub fn take(&self, folder: &Path, epochs: usize) -> Result<Result<Claim, Held>, IoError> {
        file::ensure_dir(folder)?;
        let next = match newest(folder)? {
            None => 1,
            Some((number, path)) => match self.expired(&path) {
                Ok(()) => number + 1,
                Err(record) => return Ok(Err(Held::By(record))),
            },
        };
        let path = folder.join(format!("{CLAIM_PREFIX}{next}"));
        let mut created = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            // Another worker created it first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Ok(Err(Held::By(None)))
            }
            Err(e) => return Err(IoError::new("create", &path, &e)),
        };
        let record = ClaimRecord {
            host: self.host.clone(),
            pid: self.pid,
            beat: 0,
            epoch: 0,
            epochs,
            at: now(),
        };
        created
            .write_all(&serde_json::to_vec(&record).expect("a claim serializes"))
            .map_err(|e| IoError::new("write", &path, &e))?;
        drop(created);
        // The claims it replaced are gone for good.
        for n in 1..next {
            let _ = std::fs::remove_file(folder.join(format!("{CLAIM_PREFIX}{n}")));
        }
        Ok(Ok(Claim::hold(path, next, record, self.timeout)))
    }

    /// `Ok` when the claim at `path` has expired (or is gone); else what it says.
    fn expired(&self, path: &Path) -> Result<(), Option<ClaimRecord>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            // Unreadable for now (being replaced): judged by its content next time.
            Err(_) => String::new(),
        };
        let record: Option<ClaimRecord> = serde_json::from_str(&text).ok();
        if let Some(r) = &record {
            if r.host == self.host && !process_exists(r.pid) {
                return Ok(());
            }
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let since = match seen.get(path) {
            Some((content, since)) if *content == text => *since,
            _ => {
                seen.insert(path.to_path_buf(), (text, now));
                now
            }
        };
        if now.duration_since(since) >= self.timeout.0 {
            Ok(())
        } else {
            Err(record)
        }
    }
}

/// A claim this worker holds; renewed in the background until it is dropped, which
/// deletes it.
pub struct Claim {
    path: PathBuf,
    number: u64,
    lost: Arc<AtomicBool>,
    epoch: Arc<AtomicUsize>,
    stop: Option<mpsc::Sender<()>>,
    beating: Option<std::thread::JoinHandle<()>>,
}

impl Claim {
    fn hold(path: PathBuf, number: u64, record: ClaimRecord, timeout: ClaimTimeout) -> Claim {
        let lost = Arc::new(AtomicBool::new(false));
        let epoch = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = mpsc::channel::<()>();
        let beating = {
            let (path, lost, epoch) = (path.clone(), lost.clone(), epoch.clone());
            std::thread::spawn(move || {
                let mut record = record;
                let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(timeout.beat())
                {
                    if newest(&folder)
                        .ok()
                        .flatten()
                        .is_some_and(|(n, _)| n > number)
                    {
                        lost.store(true, Ordering::Relaxed);
                        return;
                    }
                    record.beat += 1;
                    record.epoch = epoch.load(Ordering::Relaxed);
                    record.at = now();
                    let bytes = serde_json::to_vec(&record).expect("a claim serializes");
                    // A beat that cannot be written is retried at the next; missing
                    // several lets the claim expire, and the model is resumed elsewhere.
                    let _ = file::write_atomic(&path, &bytes);
                }
            })
        };
        Claim {
            path,
            number,
            lost,
            epoch,
            stop: Some(stop),
            beating: Some(beating),
        }
    }

    /// Whether another worker has taken the model over (this one was taken for dead).
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Records how many epochs are finished, for `ofit status`.
    pub fn set_epoch(&self, epoch: usize) {
        self.epoch.store(epoch, Ordering::Relaxed);
    }

    /// The claim's number in its folder.
    pub fn number(&self) -> u64 {
        self.number
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(beating) = self.beating.take() {
            let _ = beating.join();
        }
        if !self.lost() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// This machine's host name.
pub fn host_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// Whether a process with id `pid` exists on this machine.
fn process_exists(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // Elsewhere only the heartbeat tells.
        true
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
