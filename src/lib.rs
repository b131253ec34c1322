//! ofit: a compiler for a declarative language of machine-learning experiments.
//!
//! The pipeline, one module per stage (ARCHITECTURE.md has the invariants):
//!
//! ```text
//! source ─syntax─▶ ast::File ─check─▶ ir::Program ─(data, lower, train)─▶ histories ─report─▶ files
//! ```

pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostic;
pub mod file;
pub mod format;
pub mod history;
pub mod ir;
pub mod language_server;
pub mod lower;
pub mod model_folder;
pub mod report;
pub mod run;
pub mod run_index;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod train;
pub mod trained;

use diagnostic::Diagnostic;
use source::Source;

/// Parses and checks a spec: the program when it has no error, and every diagnostic of
/// both stages in source order.
pub fn compile(source: &Source) -> check::Checked {
    let parsed = syntax::parse(source);
    checked(&parsed.file, parsed.diagnostics)
}

/// [`compile`], with the syntax tree it checked: what an editor navigates. The items whose
/// text `reuse` holds from an earlier parse are not parsed again.
pub fn analyze(source: &Source, reuse: &mut syntax::Reuse) -> (syntax::ast::File, check::Checked) {
    let parsed = syntax::parse_reusing(source, reuse);
    let checked = checked(&parsed.file, parsed.diagnostics);
    (parsed.file, checked)
}

/// Checks a parsed file, with its syntax errors among the diagnostics.
fn checked(file: &syntax::ast::File, syntax_errors: Vec<Diagnostic>) -> check::Checked {
    let mut checked = check::check(file);
    if syntax_errors.iter().any(Diagnostic::is_error) {
        checked.program = None;
    }
    let mut diagnostics = syntax_errors;
    diagnostics.append(&mut checked.diagnostics);
    diagnostics.sort_by_key(Diagnostic::span);
    checked.diagnostics = diagnostics;
    checked
}
