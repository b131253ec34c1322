//! The integration tests: one binary, one module per behaviour.

mod support;

mod cli;
mod cli_output;
mod data_csv;
mod data_imdb;
mod data_json;
mod data_npz;
mod data_real;
mod data_sequences;
mod data_text;
mod diagnostics;
mod examples;
mod layers;
mod lower_activations;
mod lower_normalization;
mod positions;
mod properties;
mod properties_run;
mod report_analysis;
mod report_browser;
mod report_docs;
mod report_history;
mod report_pipeline;
mod report_plot;
mod report_states;
mod summary;
mod train_early_stopping;
mod train_faults;
mod train_gather;
mod train_kernels;
mod train_lanes;
mod train_regression;
mod train_run;
mod train_sequences;
mod train_test_split;
