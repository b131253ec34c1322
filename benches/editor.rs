//! What an editor waits for on a 10,000-line spec: the diagnostics after a change (through
//! the language server, from `didChange` to `publishDiagnostics`), and `ofit fmt`.
//!
//! Run with `cargo bench --bench editor`; medians are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use ofit::source::Source;
use serde_json::json;
use std::hint::black_box;

mod generated;
use generated::generated;

fn send(connection: &Connection, method: &str, params: serde_json::Value) {
    let message = Notification::new(method.to_string(), params);
    connection
        .sender
        .send(Message::Notification(message))
        .unwrap();
}

/// Waits for the next published diagnostics, and gives how many there are.
fn published(connection: &Connection) -> usize {
    loop {
        if let Message::Notification(n) = connection.receiver.recv().unwrap() {
            if n.method == "textDocument/publishDiagnostics" {
                return n.params["diagnostics"].as_array().unwrap().len();
            }
        }
    }
}

fn diagnostics_after_a_change(c: &mut Criterion) {
    let (server, client) = Connection::memory();
    let ctx = ofit::data::Context::new(".", std::env::temp_dir().join("ofit-bench"), "npm");
    let thread = std::thread::spawn(move || ofit::language_server::serve(&server, ctx).unwrap());
    let initialize = Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({ "capabilities": {} }),
    );
    client.sender.send(Message::Request(initialize)).unwrap();
    client.receiver.recv().unwrap();
    send(&client, "initialized", json!({}));

    let text = generated(10_000);
    // The change a user makes: a misspelt activation near the end, and its fix, in turn.
    let typo = text.replace(
        "dense(1, sigmoid)\n}\n\ntrain run300 {",
        "dense(1, sigmod)\n}\n\ntrain run300 {",
    );
    let typo_diagnostics = ofit::compile(&Source::new("typo.ofit", typo.as_str()))
        .diagnostics
        .len();
    assert!(typo_diagnostics > 0, "the typo is made");
    let uri = "file:///bench/large.ofit";
    send(
        &client,
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "ofit", "version": 0, "text": text } }),
    );
    assert_eq!(published(&client), 0, "the generated spec checks clean");

    let mut version = 0;
    let mut group = c.benchmark_group("editor");
    group.sample_size(20);
    group.bench_function("diagnostics after a change, 10,000 lines", |b| {
        b.iter(|| {
            version += 1;
            let (now, expected) = if version % 2 == 1 { (&typo, typo_diagnostics) } else { (&text, 0) };
            send(
                &client,
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": now }] }),
            );
            assert_eq!(published(&client), expected);
        })
    });
    let source = Source::new("large.ofit", text.clone());
    group.bench_function("ofit fmt, 10,000 lines", |b| {
        b.iter(|| ofit::format::format(black_box(&source)).unwrap())
    });
    group.finish();

    let shutdown = Request::new(RequestId::from(2), "shutdown".into(), json!(null));
    client.sender.send(Message::Request(shutdown)).unwrap();
    send(&client, "exit", json!(null));
    while client.receiver.recv().is_ok() {}
    thread.join().unwrap();
}

criterion_group!(benches, diagnostics_after_a_change);
criterion_main!(benches);
