//! The command line: argument parsing, reading files, rendering diagnostics, exit codes.
//! Everything a user sees as text is produced here or in [`render`].

mod check;
mod data;
mod evaluate;
mod export;
mod fmt;
mod lsp;
mod output;
mod plan;
mod predict;
pub use data::context as data_context;
mod progress;
pub mod render;
mod report;
mod run;
mod signals;
mod slurm;
mod status;
mod summary;

use crate::lower::Backend;
use crate::source::Source;
use clap::{Parser, Subcommand, ValueEnum};
use output::say;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit statuses, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Clean, or warnings only.
    Ok = 0,
    /// Errors in a spec (or warnings under `--deny-warnings`).
    Failed = 1,
    /// Bad usage or an unreadable file.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// ofit: declare machine-learning experiments, check them, train them, see where each
/// model starts to overfit.
#[derive(Debug, Parser)]
#[command(name = "ofit", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check specs and report every error and warning.
    Check {
        /// Spec files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = check::CheckFormat::Human)]
        format: check::CheckFormat,
        /// Exit with status 1 when there are warnings.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Rewrite specs in the one canonical layout, comments kept (a folder: every .ofit file
    /// in it; `-`: standard input to standard output).
    Fmt {
        /// Spec files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write nothing: print what would change as a diff, and exit 1 if anything would.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output (for editors: diagnostics,
    /// hover, go to definition, references, rename, quick fixes, formatting).
    Lsp,
    /// Train every model of a spec's experiments and keep the results in a run directory.
    Run {
        #[command(flatten)]
        spec: RunArgs,
        #[command(flatten)]
        slurm: SlurmArgs,
    },
    /// Print what `ofit run` would train: every distinct model once, whether it is finished,
    /// its epochs and its cost.
    Plan {
        #[command(flatten)]
        spec: RunArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Show every model of a run directory: finished, diverged, training (epoch k/n, host,
    /// pid), failed (with the error) or waiting.
    Status {
        /// The run directory (e.g. runs/tutorial).
        run_dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Re-render the plots, report.json and index.html of a run directory from its histories.
    Report {
        /// The run directory (what `ofit run` wrote, e.g. runs/tutorial).
        run_dir: PathBuf,
        /// Also keep the run's histories in DIR/<spec>-run/ and render from them the
        /// learning curves and DIR/<spec>.md, the table beside Keras's figures
        /// (DIR/keras_<spec>.json), e.g. `--docs docs`.
        #[arg(long, value_name = "DIR")]
        docs: Option<PathBuf>,
        /// With --docs: replace the README's copy of DIR/<spec>.md (between its marker lines).
        #[arg(long, value_name = "FILE", requires = "docs")]
        readme: Option<PathBuf>,
    },
    /// Load (fetching and caching as needed) and describe the datasets of a spec.
    Data {
        /// The spec file.
        file: PathBuf,
        /// Only this dataset.
        dataset: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Print, as SVG, training review N (from 1) of a multi-hot dataset as a multi-hot
        /// row against word index (the tutorial's first plot).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        plot_review: Option<u32>,
    },
    /// Loss and metrics of a run's finished models on a split of their data: its test split
    /// where it has one, else its validation split.
    Evaluate {
        /// The run directory (e.g. runs/tutorial).
        run_dir: PathBuf,
        /// The models, as `experiment/model` (e.g. sizes/baseline); default: every one.
        models: Vec<String>,
        /// Which examples to evaluate on.
        #[arg(long, value_enum, conflicts_with = "file")]
        split: Option<evaluate::Examples>,
        /// Evaluate on this file instead: labelled rows in the format of the models'
        /// training file (CSV, JSON Lines or JSON), read as a validation file would be.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write a trained model's weights as safetensors (`layers.<i>.<name>`, Keras's names
    /// and layouts) and its architecture and preprocessing as JSON.
    Export {
        /// The run directory (e.g. runs/tutorial), or a model's folder.
        run_dir: PathBuf,
        /// The model, as `experiment/model` (e.g. sizes/baseline).
        model: Option<String>,
        /// The folder to write `weights.safetensors` and `model.json` into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Predict with a trained model: the class and its probability, or the value, for each
    /// text given (`--text`), or each line of a file (`-`: standard input).
    Predict {
        /// The run directory (e.g. runs/tutorial), or a model's folder.
        run_dir: PathBuf,
        /// The model, as `experiment/model` (e.g. sizes/baseline); for a model folder,
        /// the file of texts instead.
        model: Option<String>,
        /// A file of texts, one per line; `-` reads standard input.
        file: Option<PathBuf>,
        /// A text to predict (repeatable).
        #[arg(long = "text", value_name = "TEXT")]
        texts: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = predict::PredictFormat::Text)]
        format: predict::PredictFormat,
        /// Stop at the first input that cannot be predicted (by default it is reported
        /// with its line, and the others are predicted).
        #[arg(long)]
        strict: bool,
        /// The text column of a .csv or .jsonl file (default: the column the model was
        /// trained on, else `text`).
        #[arg(long)]
        column: Option<String>,
    },
    /// Print a Keras-style summary and the training cost of each model of a spec.
    Summary {
        /// The spec file.
        file: PathBuf,
        /// Only this model.
        model: Option<String>,
    },
}

/// What `ofit run` and `ofit plan` take: the spec and what to run of it, where.
#[derive(Debug, Clone, clap::Args)]
struct RunArgs {
    /// The spec file.
    file: PathBuf,
    /// The run directory (default: runs/<spec name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only this experiment.
    #[arg(long)]
    only: Option<String>,
    /// Train this many epochs instead of what the spec says (part of the result's hash).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: Option<u32>,
}

/// `ofit run --slurm` and its options.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Slurm")]
struct SlurmArgs {
    /// Hand the unfinished models to Slurm: a job array of workers on the run directory
    /// (which every node must see at the same path), then follow it.
    #[arg(long)]
    slurm: bool,
    /// Workers: array tasks (at most one per unfinished model).
    #[arg(long, requires = "slurm", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    workers: u32,
    /// At most this many tasks at once (`--array=0-N%P`).
    #[arg(long, requires = "slurm", value_parser = clap::value_parser!(u32).range(1..))]
    parallel: Option<u32>,
    /// CPUs per task.
    #[arg(long, requires = "slurm", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    cpus_per_task: u32,
    /// Memory per task in MiB (default: from the plan's estimate of the largest model).
    #[arg(long, requires = "slurm", value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    mem: Option<u64>,
    /// Time limit per task, as sbatch writes it (`30`, `2:00:00`, `1-0`).
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// Partition.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Account.
    #[arg(long, requires = "slurm")]
    account: Option<String>,
    /// Another `#SBATCH` option, as written after `#SBATCH ` (repeatable; e.g. `--qos=low`).
    #[arg(long = "sbatch", requires = "slurm", value_name = "OPTION")]
    sbatch: Vec<String>,
    /// Submit and return without following the job.
    #[arg(long, requires = "slurm")]
    no_wait: bool,
}

impl SlurmArgs {
    fn request(&self) -> Option<slurm::SlurmRequest> {
        self.slurm.then(|| slurm::SlurmRequest {
            workers: self.workers as usize,
            parallel: self.parallel.map(|p| p as usize),
            cpus_per_task: self.cpus_per_task as usize,
            mem_mb: self.mem,
            time: self.time.clone(),
            partition: self.partition.clone(),
            account: self.account.clone(),
            extra: self.sbatch.clone(),
            no_wait: self.no_wait,
        })
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// miette's graphical report on standard error.
    Human,
    /// One JSON object on standard output.
    Json,
}

/// Runs the command line with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    if let Command::Run { spec, .. } | Command::Plan { spec, .. } = &cli.command {
        let backend = match training_backend() {
            Ok(backend) => backend,
            Err(exit) => return exit.into(),
        };
        let request = run::Request {
            file: &spec.file,
            out: spec.out.clone(),
            only: spec.only.as_deref(),
            epochs: spec.epochs.map(|e| e as usize),
            options: crate::train::Options {
                backend,
                memory: available_memory(),
            },
            slurm: match &cli.command {
                Command::Run { slurm, .. } => slurm.request(),
                _ => None,
            },
        };
        return match &cli.command {
            Command::Plan { format, .. } => plan::run(request, *format).into(),
            _ => run::run(request),
        };
    }
    match cli.command {
        Command::Check {
            files,
            format,
            deny_warnings,
        } => check::run(&files, format, deny_warnings),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Lsp => lsp::run(),
        Command::Summary { file, model } => summary::run(&file, model.as_deref()),
        Command::Data {
            file,
            dataset,
            format,
            plot_review,
        } => data::run(
            &file,
            dataset.as_deref(),
            format,
            plot_review.map(|n| n as usize),
        ),
        Command::Evaluate {
            run_dir,
            models,
            split,
            file,
            format,
        } => match training_backend() {
            Ok(backend) => {
                evaluate::run(&run_dir, &models, split, file.as_deref(), format, backend)
            }
            Err(exit) => exit,
        },
        Command::Export {
            run_dir,
            model,
            out,
        } => match training_backend() {
            Ok(backend) => export::run(&run_dir, model.as_deref(), &out, backend),
            Err(exit) => exit,
        },
        Command::Predict {
            run_dir,
            model,
            file,
            texts,
            format,
            strict,
            column,
        } => match training_backend() {
            Ok(backend) => predict::run(predict::Request {
                run_dir: &run_dir,
                model: model.as_deref(),
                file: file.as_deref(),
                texts: &texts,
                format,
                strict,
                column: column.as_deref(),
                backend,
            }),
            Err(exit) => exit,
        },
        Command::Run { .. } | Command::Plan { .. } => unreachable!("handled above"),
        Command::Status { run_dir, format } => status::run(&run_dir, format),
        Command::Report {
            run_dir,
            docs,
            readme,
        } => report::run(&run_dir, docs.as_deref(), readme.as_deref()),
    }
    .into()
}

/// The backend `$OFIT_BACKEND` names (`ndarray`, the default, or `flex`).
fn training_backend() -> Result<Backend, Exit> {
    let Some(name) = std::env::var_os("OFIT_BACKEND").filter(|v| !v.is_empty()) else {
        return Ok(Backend::default());
    };
    let name = name.to_string_lossy();
    Backend::from_name(&name).ok_or_else(|| {
        let names = Backend::ALL.map(Backend::name);
        say!(
            "error: OFIT_BACKEND is `{name}`, which is not a backend ({})",
            crate::suggest::help(&name, names)
        );
        Exit::Usage
    })
}

/// The memory the machine can give a training now (`MemAvailable` in `/proc/meminfo`);
/// `None` where that is not known, and then nothing is refused for its size.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Checks that the name given on the command line (`--only`, a positional name) is one of
/// `names`; if not, says so with a suggestion and gives the usage status.
fn known_name<'a>(
    given: Option<&str>,
    what: &str,
    source: &Source,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), Exit> {
    let Some(name) = given else { return Ok(()) };
    let names: Vec<&str> = names.into_iter().collect();
    if names.contains(&name) {
        return Ok(());
    }
    let help = crate::suggest::help(name, names);
    say!("error: `{}` has no {what} `{name}` ({help})", source.name());
    Err(Exit::Usage)
}

/// Reads and checks a spec, printing its diagnostics; the program when it has no error.
fn compile_or_report(path: &Path) -> Result<(Source, crate::ir::Program), Exit> {
    let source = read_source(path)?;
    let checked = crate::compile(&source);
    output::err(&render::human(
        &source,
        &checked.diagnostics,
        render::Style::for_stderr(),
    ));
    match checked.program {
        Some(program) => Ok((source, program)),
        None => {
            let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = checked.diagnostics.len() - errors;
            let tally = render::tally(errors, warnings).unwrap_or_default();
            say!("error: {tally} in {}", source.name());
            Err(Exit::Failed)
        }
    }
}

/// Reads a spec file, or says on standard error why it cannot.
fn read_source(path: &Path) -> Result<Source, Exit> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(path.display().to_string(), text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                say!(
                    "error: `{}` is not UTF-8 text (invalid byte at offset {at})",
                    path.display()
                );
                Err(Exit::Usage)
            }
        },
        Err(e) => {
            say!(
                "error: cannot read `{}`: {}",
                path.display(),
                crate::file::reason(&e)
            );
            Err(Exit::Usage)
        }
    }
}
