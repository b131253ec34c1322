//! Training several models on a machine whose cores one model does not keep busy.
//!
//! A model's training leaves a core idle part of the time (burn runs its element-wise work
//! on one thread), and the tutorial's small models are mostly such work. So the costliest
//! model trains in the foreground, and the others, one after another, in a background lane
//! at the lowest CPU priority: on Linux, its threads only get the time the foreground leaves
//! idle. On the tutorial this takes the whole run from ~27 s to ~23 s; each model's results
//! are the same bit for bit, as nothing a model computes depends on thread timing.

/// Runs `work` on every job and returns the results in the jobs' order: the job of
/// highest `cost` on the calling thread, the others in order on a background thread with
/// its own rayon pool, at the lowest priority.
pub fn in_lanes<J, R>(jobs: &[J], cost: impl Fn(&J) -> f64, work: impl Fn(&J) -> R + Sync) -> Vec<R>
where
    J: Sync,
    R: Send,
{
    let Some(foreground) =
        (0..jobs.len()).max_by(|&a, &b| cost(&jobs[a]).total_cmp(&cost(&jobs[b])))
    else {
        return Vec::new();
    };
    if jobs.len() == 1 {
        return vec![work(&jobs[0])];
    }
    let background: Vec<usize> = (0..jobs.len()).filter(|&j| j != foreground).collect();
    let (first, rest) = std::thread::scope(|scope| {
        let lane = scope.spawn(|| {
            lower_priority();
            let run = || {
                background
                    .iter()
                    .map(|&j| work(&jobs[j]))
                    .collect::<Vec<R>>()
            };
            match rayon::ThreadPoolBuilder::new()
                .num_threads(rayon::current_num_threads())
                .start_handler(|_| lower_priority())
                .build()
            {
                Ok(pool) => pool.install(run),
                // No pool, no parallelism lost: rayon's global pool serves both lanes.
                Err(_) => run(),
            }
        });
        let first = work(&jobs[foreground]);
        let rest = match lane.join() {
            Ok(rest) => rest,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (first, rest)
    });
    let mut results: Vec<Option<R>> = (0..jobs.len()).map(|_| None).collect();
    results[foreground] = Some(first);
    for (j, r) in background.into_iter().zip(rest) {
        results[j] = Some(r);
    }
    results
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
