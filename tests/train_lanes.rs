//! `train::lanes`: the costliest job on the calling thread, the others from a queue shared
//! by a background lane at the lowest priority and the calling thread once it is free, and
//! every result back in the jobs' order.

use ofit::train::lanes::in_lanes;
use std::sync::{mpsc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

/// How long a job waits for another thread's sign before giving up (a failure then shows
/// as a wrong assertion, never as a hang).
const PATIENCE: Duration = Duration::from_secs(30);

/// The calling thread's nice value, from /proc (Linux).
#[cfg(target_os = "linux")]
fn nice() -> i32 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("/proc is mounted");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[16].parse().expect("a number")
}

#[test]
fn results_come_back_in_job_order_and_the_costliest_job_runs_here() {
    let here = std::thread::current().id();
    let ran: Mutex<Vec<(usize, ThreadId)>> = Mutex::new(Vec::new());
    let costs = [1.0, 5.0, 2.0, 3.0];
    let jobs: Vec<usize> = (0..costs.len()).collect();
    let results = in_lanes(
        &jobs,
        |&j| costs[j],
        |&j| {
            ran.lock().unwrap().push((j, std::thread::current().id()));
            j * 10
        },
    );
    assert_eq!(results, vec![0, 10, 20, 30]);
    let ran = ran.into_inner().unwrap();
    assert!(
        ran.contains(&(1, here)),
        "the costliest job runs on the calling thread"
    );
    let mut once: Vec<usize> = ran.iter().map(|(j, _)| *j).collect();
    once.sort();
    assert_eq!(once, vec![0, 1, 2, 3], "every job once");
}

#[test]
fn the_calling_thread_takes_queued_jobs_once_its_own_is_done() {
    // The background lane's job waits until the calling thread has taken a queued job
    // itself, which it can only do once its own is done: no timing is assumed.
    let here = std::thread::current().id();
    let (took_one, wait_for_it) = mpsc::channel::<()>();
    let wait_for_it = Mutex::new(wait_for_it);
    let costs = [5.0, 1.0, 1.0, 1.0, 1.0];
    let jobs: Vec<usize> = (0..costs.len()).collect();
    let threads = in_lanes(
        &jobs,
        |&j| costs[j],
        |&j| {
            let thread = std::thread::current().id();
            if j > 0 && thread == here {
                let _ = took_one.send(());
            } else if j > 0 {
                let _ = wait_for_it.lock().unwrap().recv_timeout(PATIENCE);
            }
            thread
        },
    );
    assert_eq!(threads[0], here);
    assert!(threads[1..].contains(&here), "{threads:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn jobs_in_the_background_lane_and_its_pool_run_at_the_lowest_priority() {
    use rayon::prelude::*;
    let here = std::thread::current().id();
    let jobs = [10.0, 1.0, 1.0];
    // The costliest job waits until the background lane has started one: no timing is
    // assumed.
    let (started, wait_for_it) = mpsc::channel::<()>();
    let wait_for_it = Mutex::new(wait_for_it);
    let seen = in_lanes(
        &jobs,
        |&c| c,
        |&c| {
            if std::thread::current().id() != here {
                let _ = started.send(());
            } else if c == 10.0 {
                let _ = wait_for_it.lock().unwrap().recv_timeout(PATIENCE);
            }
            let pool: Vec<i32> = (0..8)
                .into_par_iter()
                .with_max_len(1)
                .map(|_| nice())
                .collect();
            (std::thread::current().id(), nice(), pool)
        },
    );
    let caller = nice();
    for (thread, nice, pool) in &seen {
        if *thread == here {
            assert_eq!(*nice, caller, "the calling thread keeps its priority");
        } else {
            assert_eq!(*nice, 19);
            assert!(pool.iter().all(|&n| n == 19), "{pool:?}");
        }
    }
    assert!(seen.iter().any(|(t, ..)| *t != here), "the lane took a job");
}

#[test]
fn one_job_or_none_runs_here() {
    let here = std::thread::current().id();
    assert_eq!(
        in_lanes(&[7], |_| 1.0, |_| std::thread::current().id()),
        vec![here]
    );
    assert!(in_lanes(&[] as &[u8], |_| 1.0, |_| ()).is_empty());
}

#[test]
fn a_panic_in_the_background_lane_reaches_the_caller() {
    let here = std::thread::current().id();
    let (panicking, wait_for_it) = mpsc::channel::<()>();
    let wait_for_it = Mutex::new(wait_for_it);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        in_lanes(
            &[3.0, 1.0, 1.0, 1.0],
            |&c| c,
            |&c| {
                if std::thread::current().id() != here {
                    let _ = panicking.send(());
                    panic!("a background job failed");
                }
                if c == 3.0 {
                    // The costliest job ends only once the background lane took a job.
                    let _ = wait_for_it.lock().unwrap().recv_timeout(PATIENCE);
                }
            },
        )
    }));
    let panic = result.expect_err("the panic reaches the caller");
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"a background job failed")
    );
}
