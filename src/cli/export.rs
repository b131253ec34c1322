//! `ofit export RUN_DIR MODEL --out DIR`: a trained model as safetensors and JSON.

use super::output;
use super::predict::{fail, model_folder};
use super::Exit;
use crate::lower::Backend;
use crate::trained::export::export;
use crate::trained::TrainedModel;
use std::path::Path;

/// Runs `ofit export`.
pub fn run(run_dir: &Path, model: Option<&str>, out: &Path, backend: Backend) -> Exit {
    let written = model_folder("export", run_dir, model).and_then(|dir| {
        let model = TrainedModel::open(&dir).map_err(|e| fail(&e))?;
        export(&model, out, backend).map_err(|e| fail(&e))
    });
    match written {
        Ok(files) => {
            let lines: String = files
                .iter()
                .map(|f| format!("wrote {}\n", f.display()))
                .collect();
            match output::out(&lines) {
                Ok(()) => Exit::Ok,
                Err(exit) => exit,
            }
        }
        Err(exit) => exit,
    }
}
