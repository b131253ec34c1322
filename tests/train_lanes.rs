//! `train::lanes`: the costliest job in the foreground, the others in order in a background
//! lane at the lowest priority, and every result back in the jobs' order.

use ofit::train::lanes::in_lanes;
use std::sync::Mutex;
use std::thread::ThreadId;

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
    assert_eq!(ran.iter().filter(|(j, _)| *j == 1).count(), 1);
    assert!(
        ran.contains(&(1, here)),
        "the costliest job runs on the calling thread"
    );
    let background: Vec<(usize, ThreadId)> = ran.into_iter().filter(|(j, _)| *j != 1).collect();
    assert_eq!(
        background.iter().map(|(j, _)| *j).collect::<Vec<_>>(),
        vec![0, 2, 3],
        "the others in order"
    );
    assert!(background
        .iter()
        .all(|(_, t)| *t == background[0].1 && *t != here));
}

#[cfg(target_os = "linux")]
#[test]
fn the_background_lane_and_its_pool_run_at_the_lowest_priority() {
    use rayon::prelude::*;
    let jobs = [10.0, 1.0];
    let nices = in_lanes(
        &jobs,
        |&c| c,
        |_| {
            let pool: Vec<i32> = (0..8)
                .into_par_iter()
                .with_max_len(1)
                .map(|_| nice())
                .collect();
            (nice(), pool)
        },
    );
    let (foreground, _) = &nices[0];
    assert_eq!(*foreground, nice(), "the foreground keeps its priority");
    let (lane, pool) = &nices[1];
    assert_eq!(*lane, 19);
    assert!(pool.iter().all(|&n| n == 19), "{pool:?}");
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
#[should_panic(expected = "a background job failed")]
fn a_panic_in_the_background_lane_reaches_the_caller() {
    in_lanes(
        &[2.0, 1.0],
        |&c| c,
        |&c| {
            if c < 2.0 {
                panic!("a background job failed");
            }
        },
    );
}
