//! `ofit lsp`: the language server on standard input and output, for editors to start.

use super::output::say;
use super::Exit;
use std::path::Path;

/// Serves until the editor shuts the server down or closes its input.
pub fn run() -> Exit {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::language_server::serve(&connection, super::data::context(Path::new(".")));
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => Exit::Ok,
        (Err(e), _) => {
            say!("error: ofit lsp: {e}");
            Exit::Failed
        }
        (_, Err(e)) => {
            say!("error: ofit lsp: {e}");
            Exit::Failed
        }
    }
}
