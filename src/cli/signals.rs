//! Stopping a run cleanly on a signal: Ctrl-C (SIGINT) from a person, SIGTERM or SIGUSR1
//! from Slurm before a time limit or a preemption (`--signal=USR1@90`). Training stops after
//! the current batch with every finished epoch saved; after SIGTERM or SIGUSR1 the exit
//! status asks to be requeued (`run::REQUEUE`).

use super::output;
use super::progress::STOP;
use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGTERM or SIGUSR1.
static REQUEUE: AtomicBool = AtomicBool::new(false);

/// Whether a SIGTERM or SIGUSR1 came: the worker should be started again.
pub fn requeue() -> bool {
    REQUEUE.load(Ordering::Relaxed)
}

/// From now on, SIGINT, SIGTERM and SIGUSR1 stop training after the current batch.
pub fn stop_on_signals() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGUSR1]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if signal == SIGINT {
                output::err_line("\nstopping after this batch; finished epochs are kept");
            } else {
                REQUEUE.store(true, Ordering::Relaxed);
                output::err_line(
                    "stopping after this batch on a signal (a time limit or a preemption); finished epochs are kept",
                );
            }
            STOP.store(true, Ordering::Relaxed);
        }
    });
}
