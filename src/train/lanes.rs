//! Training several models on a machine whose cores one model does not keep busy.
//!
//! A model's training leaves a core idle part of the time (burn runs its element-wise work
//! on one thread), and the tutorial's small models are mostly such work. So the costliest
//! model trains in the foreground, and the others, one after another, in a background lane
//! at the lowest CPU priority: on Linux, its threads only get the time the foreground leaves
//! idle. When the foreground is done, it takes the next queued model itself. On the
//! tutorial, measured back to back, this takes the whole run from 31.8–32.8 s to 28.2–28.9 s
//! (26.2–28.1 s with the lane's pool at one thread, as it is: the lane only ever has one
//! core's idle time); each model's results are the same bit for bit, as nothing a model
//! computes depends on thread timing.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Runs `work` on every job and returns the results in the jobs' order. The job of highest
/// `cost` runs on the calling thread; the others are taken in order from a queue by a
/// background thread with a rayon pool of its own, at the lowest priority, and by the
/// calling thread once its own job is done (so that at most one job runs at low priority,
/// and a busy machine never starves the rest of a long sweep).
pub fn in_lanes<J, R>(jobs: &[J], cost: impl Fn(&J) -> f64, work: impl Fn(&J) -> R + Sync) -> Vec<R>
where
    J: Sync,
    R: Send,
{
    let Some(costliest) =
        (0..jobs.len()).max_by(|&a, &b| cost(&jobs[a]).total_cmp(&cost(&jobs[b])))
    else {
        return Vec::new();
    };
    let queue: Mutex<VecDeque<usize>> =
        Mutex::new((0..jobs.len()).filter(|&j| j != costliest).collect());
    let next = || queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let run = |j: usize| {
        let result = work(&jobs[j]);
        results.lock().unwrap_or_else(|e| e.into_inner())[j] = Some(result);
    };
    let drain = || {
        while let Some(j) = next() {
            run(j);
        }
    };
    std::thread::scope(|scope| {
        let lane = (jobs.len() > 1).then(|| {
            scope.spawn(|| {
                lower_priority();
                // One thread: the lane only ever gets one core's idle time, and a second
                // thread only adds contention with the foreground (0.7 s on the tutorial).
                match rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .start_handler(|_| lower_priority())
                    .build()
                {
                    Ok(pool) => pool.install(drain),
                    // No pool of its own: rayon's global one serves both lanes.
                    Err(_) => drain(),
                }
            })
        });
        run(costliest);
        drain();
        if let Some(Err(panic)) = lane.map(|lane| lane.join()) {
            std::panic::resume_unwind(panic);
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran in one lane"))
        .collect()
}

/// Puts the calling thread at the lowest CPU priority (nice 19), where the platform allows.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets the scheduling priority of the calling thread only (Linux applies
    // PRIO_PROCESS to a thread id); raising niceness needs no privilege and cannot fail in
    // a way that matters here (the lane then merely competes as an equal).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}
