//! Writing to the terminal without ever panicking. `println!` panics when standard output
//! is a closed pipe (`ofit summary … | head -1`) or a full disk (`> /dev/full`), and
//! `eprintln!` likewise, which would kill a training whose log is piped to `head`.
//!
//! Standard error carries messages about work that goes on: a failed write there is
//! dropped, and training continues. Standard output carries a command's result: a closed
//! pipe ends the command quietly (its reader wants no more), any other failure is an
//! error that says so.

use super::Exit;
use std::io::Write;

/// Writes `text` to standard error, ignoring a closed or full stream.
pub fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `text` and a newline to standard error, ignoring a closed or full stream.
pub fn err_line(text: &str) {
    err(&format!("{text}\n"));
}

/// Writes `text` to standard output. A closed pipe asks the command to stop with success
/// (`Err(Exit::Ok)`); any other failure is reported, with `Err(Exit::Failed)`.
pub fn out(text: &str) -> Result<(), Exit> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Exit::Ok),
        Err(e) => {
            err_line(&format!(
                "error: cannot write to standard output: {}",
                crate::file::reason(&e)
            ));
            Err(Exit::Failed)
        }
    }
}

/// `eprintln!` that never panics: [`err_line`] with `format!`'s arguments.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::output::err_line(&format!($($arg)*))
    };
}
pub(crate) use say;
