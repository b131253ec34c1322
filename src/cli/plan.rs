//! `ofit plan FILE`: what `ofit run` would train, without training: every distinct model
//! once, its folder, whether it is already finished (or training, or failed), its epochs,
//! and what it costs (multiply-adds of the whole training, and the memory it needs).

use super::output::{self, say};
use super::run::{claim_timeout, Request};
use super::{Exit, Format};
use crate::report::summary::si;
use crate::run::status::{self, State};
use crate::train::memory::bytes;
use serde::Serialize;

#[derive(Serialize)]
struct PlannedRow<'a> {
    name: &'a str,
    folder: String,
    /// Epochs it trains.
    planned_epochs: usize,
    /// Multiply-adds of the whole training.
    cost: f64,
    /// Bytes the training needs at least.
    memory: Option<u64>,
    #[serde(flatten)]
    state: State,
}

/// Prints the plan of `request`.
pub fn run(request: Request, format: Format) -> Exit {
    let (plan, out) = match super::run::plan(&request) {
        Ok(planned) => planned,
        Err(exit) => return exit,
    };
    let timeout = match claim_timeout() {
        Ok(timeout) => timeout,
        Err(exit) => return exit,
    };
    let rows: Vec<PlannedRow> = plan
        .jobs
        .iter()
        .map(|job| PlannedRow {
            name: &job.name,
            folder: job.folder.display().to_string(),
            planned_epochs: plan.training(job).epochs,
            cost: job.cost,
            memory: job.memory,
            state: status::state(&out.join(&job.folder), timeout),
        })
        .collect();
    let unfinished = rows.iter().filter(|r| !r.state.is_final()).count();
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "run_dir": out,
                "jobs": rows,
                "unfinished": unfinished,
            });
            match output::out(
                &(serde_json::to_string_pretty(&json).expect("a plan serializes") + "\n"),
            ) {
                Ok(()) => Exit::Ok,
                Err(exit) => exit,
            }
        }
        Format::Human => {
            let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let mut text = String::new();
            for row in &rows {
                text += &format!(
                    "{:width$}  {}  {:>4} epochs  {:>9} multiply-adds  {:>10}  {}\n",
                    row.name,
                    row.folder,
                    row.planned_epochs,
                    si(row.cost),
                    row.memory.map_or("?".to_string(), bytes),
                    row.state.line(),
                );
            }
            if let Err(exit) = output::out(&text) {
                return exit;
            }
            say!(
                "{} model{} to train of {} in {}",
                unfinished,
                if unfinished == 1 { "" } else { "s" },
                rows.len(),
                out.display()
            );
            Exit::Ok
        }
    }
}
