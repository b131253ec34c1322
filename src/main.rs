//! The `ofit` command; everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    ofit::cli::main()
}
