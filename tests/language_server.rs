//! `ofit lsp`, driven as an editor drives it: JSON-RPC messages to the real server over an
//! in-memory connection, and once over the binary's standard input and output.

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;

/// An editor talking to a server that runs on a thread of the test.
struct Editor {
    connection: Connection,
    server: JoinHandle<()>,
    next_id: i32,
}

impl Editor {
    fn start() -> Editor {
        let (server, connection) = Connection::memory();
        let ctx = ofit::data::Context::new(".", std::env::temp_dir().join("ofit-lsp-test"), "npm");
        let server = std::thread::spawn(move || {
            ofit::language_server::serve(&server, ctx).expect("the server ends cleanly");
        });
        let mut editor = Editor {
            connection,
            server,
            next_id: 0,
        };
        let reply = editor.request("initialize", json!({ "capabilities": {} }));
        let capabilities = &reply["capabilities"];
        for provider in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "codeActionProvider",
            "documentFormattingProvider",
        ] {
            assert!(!capabilities[provider].is_null(), "{provider} is offered");
        }
        assert_eq!(capabilities["textDocumentSync"], 1, "full-text sync");
        editor.notify("initialized", json!({}));
        editor
    }

    fn notify(&self, method: &str, params: Value) {
        let message = Notification::new(method.to_string(), params);
        self.connection
            .sender
            .send(Message::Notification(message))
            .unwrap();
    }

    /// Sends a request and waits for its reply, which must not be an error.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let reply = self.reply(method, params);
        assert!(reply.error.is_none(), "{method}: {:?}", reply.error);
        reply.result.unwrap_or(Value::Null)
    }

    fn reply(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let request = Request::new(id.clone(), method.to_string(), params);
        self.connection
            .sender
            .send(Message::Request(request))
            .unwrap();
        loop {
            match self.receive() {
                Message::Response(reply) if reply.id == id => return reply,
                _ => continue,
            }
        }
    }

    fn receive(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the server answers")
    }

    /// The next diagnostics the server publishes.
    fn diagnostics(&self) -> Value {
        loop {
            if let Message::Notification(n) = self.receive() {
                if n.method == "textDocument/publishDiagnostics" {
                    return n.params;
                }
            }
        }
    }

    fn open(&self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "ofit", "version": 1, "text": text } }),
        );
        self.diagnostics()
    }

    fn at(
        &mut self,
        method: &str,
        uri: &str,
        (line, character): (u32, u32),
        extra: Value,
    ) -> Value {
        let mut params = json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
        });
        for (key, value) in extra.as_object().into_iter().flatten() {
            params[key] = value.clone();
        }
        self.request(method, params)
    }

    fn shut_down(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.server.join().expect("the server thread ends");
    }
}

fn fixture(path: &str) -> (String, String) {
    let path = crate::support::root().join(path);
    let uri = format!("file://{}", path.display());
    (uri, std::fs::read_to_string(path).unwrap())
}

/// Where `needle` is in `text` (its `nth` occurrence, from 0), as a UTF-16 line and column.
fn position(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle is there")
        .0;
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let line = text[..offset].matches('\n').count();
    (
        line as u32,
        text[line_start..offset].encode_utf16().count() as u32,
    )
}

/// `text` with an LSP text edit applied (edits of one request do not overlap; applied
/// from the last).
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let character = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        let line_text = &text[start..];
        for (at, c) in line_text.char_indices() {
            if units >= character {
                return start + at;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn diagnostics_come_on_open_and_on_every_change_in_utf16_positions() {
    let editor = Editor::start();
    let (uri, text) = fixture("tests/fixtures/lsp/unicode.ofit");
    let published = editor.open(&uri, &text);
    assert_eq!(published["uri"], uri.as_str());
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    let said: Vec<(&str, &str)> = diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        said,
        [("W0100", "ofit"), ("E0301", "ofit")],
        "what `ofit check` says"
    );
    let error = &diagnostics[1];
    assert_eq!(error["severity"], 1);
    // `2.0` follows 71 characters on its line, one of them 😀: 72 UTF-16 units, 75 bytes.
    assert_eq!(
        error["range"]["start"],
        json!({ "line": 1, "character": 72 })
    );
    assert_eq!(error["range"]["end"], json!({ "line": 1, "character": 75 }));
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("\nhelp: the fraction"));

    let fixed = text.replace("2.0", "0.5");
    editor.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": fixed }],
        }),
    );
    let published = editor.diagnostics();
    assert_eq!(published["version"], 2);
    let codes: Vec<&str> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // Once the spec checks, its data file is linted, as `ofit check` does: it is missing.
    assert_eq!(codes, ["W0100", "E0600"]);

    editor.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(
        editor.diagnostics()["diagnostics"],
        json!([]),
        "closing clears them"
    );
    editor.shut_down();
}

#[test]
fn a_missing_data_file_is_reported_as_ofit_check_reports_it() {
    let editor = Editor::start();
    let (uri, text) = fixture("examples/csv.ofit");
    assert_eq!(editor.open(&uri, &text)["diagnostics"], json!([]));
    let moved = text.replace("data/moons.csv", "data/moon.csv");
    editor.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": moved }] }),
    );
    let published = editor.diagnostics();
    let d = &published["diagnostics"][0];
    assert_eq!(d["code"], "E0600");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `data/moons.csv`?"),
        "{d}"
    );
    editor.shut_down();
}

#[test]
fn hover_shows_an_instance_summary_a_parameter_and_a_declaration() {
    let mut editor = Editor::start();
    let (uri, text) = fixture("examples/tutorial.ofit");
    editor.open(&uri, &text);

    // `mlp(512)` in `sizes`: the bigger model's Keras-style summary.
    let at = position(&text, "mlp(512)", 0);
    let hover = editor.at("textDocument/hover", &uri, at, json!({}));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("model mlp(units: int = 16, l2: float = 0.0, dropout: float = 0.0)"),
        "{shown}"
    );
    assert!(shown.contains("Model: \"bigger\""), "{shown}");
    assert!(shown.contains("Total params: 5,383,681"), "{shown}");
    assert!(
        !shown.contains("Model: \"baseline\""),
        "only the entry hovered: {shown}"
    );
    assert_eq!(
        hover["range"]["start"],
        json!({ "line": at.0, "character": at.1 })
    );

    let at = position(&text, "units, relu", 0);
    let hover = editor.at("textDocument/hover", &uri, at, json!({}));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.starts_with("```ofit\nunits: int = 16\n```\nparameter of template `mlp`"),
        "{shown}"
    );

    let at = position(&text, "= imdb\n", 0);
    let hover = editor.at("textDocument/hover", &uri, (at.0, at.1 + 3), json!({}));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("dataset imdb = imdb(num_words = 10000, encode = multi_hot)"),
        "{shown}"
    );

    let at = position(&text, "adam(", 0);
    let hover = editor.at("textDocument/hover", &uri, at, json!({}));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("adam(lr = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7)"),
        "{shown}"
    );
    let at = position(&text, "sigmoid)", 0);
    let shown = editor.at("textDocument/hover", &uri, at, json!({}))["contents"]["value"].clone();
    assert!(
        shown
            .as_str()
            .unwrap()
            .contains("activation — 1 / (1 + e^(−x))"),
        "{shown}"
    );

    let nothing = editor.at("textDocument/hover", &uri, (0, 0), json!({}));
    assert_eq!(nothing, Value::Null, "a comment shows nothing");
    editor.shut_down();
}

#[test]
fn definition_and_references_follow_the_checkers_resolution() {
    let mut editor = Editor::start();
    let (uri, text) = fixture("examples/tutorial.ofit");
    editor.open(&uri, &text);

    let use_of_training = position(&text, "= tutorial", 1);
    let found = editor.at(
        "textDocument/definition",
        &uri,
        (use_of_training.0, use_of_training.1 + 2),
        json!({}),
    );
    let defined = position(&text, "tutorial {", 0);
    assert_eq!(found["uri"], uri.as_str());
    assert_eq!(
        found["range"]["start"],
        json!({ "line": defined.0, "character": defined.1 })
    );

    let on_template = position(&text, "mlp(", 0);
    let all = editor.at(
        "textDocument/references",
        &uri,
        on_template,
        json!({ "context": { "includeDeclaration": true } }),
    );
    // The definition, then baseline, smaller, bigger; baseline and l2; baseline and dropout.
    assert_eq!(all.as_array().unwrap().len(), 8, "{all}");
    let uses = editor.at(
        "textDocument/references",
        &uri,
        on_template,
        json!({ "context": { "includeDeclaration": false } }),
    );
    assert_eq!(uses.as_array().unwrap().len(), 7);
    // `l2(l2)` in the body: the regularizer is no reference, its argument is the parameter.
    let param = position(&text, "l2(l2)", 0);
    let to_param = editor.at(
        "textDocument/definition",
        &uri,
        (param.0, param.1 + 3),
        json!({}),
    );
    let l2 = position(&text, "l2: float", 0);
    assert_eq!(
        to_param["range"]["start"],
        json!({ "line": l2.0, "character": l2.1 })
    );
    editor.shut_down();
}

#[test]
fn rename_changes_every_occurrence_and_refuses_a_taken_or_malformed_name() {
    let mut editor = Editor::start();
    let (uri, text) = fixture("examples/tutorial.ofit");
    editor.open(&uri, &text);
    let on_template = position(&text, "mlp", 2);

    let prepared = editor.at("textDocument/prepareRename", &uri, on_template, json!({}));
    assert_eq!(
        prepared["start"],
        json!({ "line": on_template.0, "character": on_template.1 })
    );

    let edit = editor.at(
        "textDocument/rename",
        &uri,
        on_template,
        json!({ "newName": "net" }),
    );
    let edits = edit["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 8);
    let renamed = apply(&text, edits);
    assert!(!renamed.contains("mlp"));
    let before = ofit::compile(&ofit::source::Source::new("a", text.as_str()))
        .program
        .unwrap();
    let after = ofit::compile(&ofit::source::Source::new("b", renamed.as_str()))
        .program
        .unwrap();
    assert_eq!(after.models.len(), before.models.len());
    assert!(after.models.iter().all(|m| m.template == "net"));
    assert_eq!(after.models[0].layers, before.models[0].layers);

    let param = position(&text, "units: int", 0);
    let edit = editor.at(
        "textDocument/rename",
        &uri,
        param,
        json!({ "newName": "width" }),
    );
    let renamed = apply(&text, edit["changes"][uri.as_str()].as_array().unwrap());
    assert!(
        renamed.contains("dense(width, relu, kernel_regularizer = l2(l2))"),
        "{renamed}"
    );
    assert!(renamed.contains("model mlp(width: int = 16"));

    for (name, why) in [
        ("imdb", "`imdb` is already defined"),
        ("9lives", "is not a name"),
    ] {
        let refused = editor.reply(
            "textDocument/rename",
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": on_template.0, "character": on_template.1 },
                "newName": name,
            }),
        );
        let error = refused.error.expect("refused");
        assert!(error.message.contains(why), "{}", error.message);
    }
    editor.shut_down();
}

#[test]
fn each_did_you_mean_is_a_quick_fix() {
    let mut editor = Editor::start();
    let (uri, text) = fixture("tests/fixtures/errors/unknown_activation.ofit");
    let published = editor.open(&uri, &text);
    let diagnostic = published["diagnostics"][0].clone();
    let actions = editor.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] },
        }),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "Replace `rleu` with `relu`");
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    let fixed = apply(
        &text,
        action["edit"]["changes"][uri.as_str()].as_array().unwrap(),
    );
    assert!(
        ofit::compile(&ofit::source::Source::new("f", fixed.as_str()))
            .diagnostics
            .iter()
            .all(|d| d.code.as_str() != "E0200")
    );
    editor.shut_down();
}

#[test]
fn formatting_is_ofit_fmt_and_refuses_a_spec_that_does_not_parse() {
    let mut editor = Editor::start();
    let uri = "file:///tmp/messy.ofit";
    let messy = "train t { epochs = 2  loss = mse }\n";
    editor.open(uri, messy);
    let edits = editor.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let formatted = apply(messy, edits.as_array().unwrap());
    let expected = ofit::format::format(&ofit::source::Source::new("m", messy)).unwrap();
    assert_eq!(formatted, expected);

    editor.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": expected }] }),
    );
    editor.diagnostics();
    let none = editor.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(none, json!([]), "a formatted spec needs no edit");

    editor.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": "train t { epochs = = 2 }" }] }),
    );
    editor.diagnostics();
    let refused = editor.reply(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(refused.error.unwrap().message.contains("syntax error"));
    editor.shut_down();
}

#[test]
fn a_request_about_a_file_that_is_not_open_is_an_error_not_a_crash() {
    let mut editor = Editor::start();
    let refused = editor.reply(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.ofit" }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(refused.error.unwrap().message.contains("is not open"));
    let unknown = editor.reply("textDocument/semanticTokens/full", json!({}));
    assert!(unknown.error.is_some());
    editor.shut_down();
}

// ---- over standard input and output ------------------------------------------------------

fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_frame(reader: &mut impl BufRead) -> Value {
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn the_binary_serves_over_stdio_and_exits_zero_after_shutdown() {
    let spec = crate::support::root().join("tests/fixtures/lsp/unicode.ofit");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ofit"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    input.write_all(&frame(&json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }))).unwrap();
    assert_eq!(read_frame(&mut output)["id"], 1);
    input
        .write_all(&frame(
            &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        ))
        .unwrap();
    let open = json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": { "textDocument": {
            "uri": format!("file://{}", spec.display()),
            "languageId": "ofit",
            "version": 1,
            "text": std::fs::read_to_string(Path::new(&spec)).unwrap(),
        } },
    });
    input.write_all(&frame(&open)).unwrap();
    let published = read_frame(&mut output);
    assert_eq!(published["method"], "textDocument/publishDiagnostics");
    assert_eq!(published["params"]["diagnostics"][1]["code"], "E0301");
    input
        .write_all(&frame(
            &json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }),
        ))
        .unwrap();
    assert_eq!(read_frame(&mut output)["id"], 2);
    input
        .write_all(&frame(&json!({ "jsonrpc": "2.0", "method": "exit" })))
        .unwrap();
    drop(input);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// What completion offers, by label, with the cursor at the `‸` in the text (removed from
/// the spec opened).
fn completions(text_with_marker: &str) -> Vec<(String, Value)> {
    let mut editor = Editor::start();
    let at = text_with_marker.find('‸').expect("a cursor marker");
    let text = text_with_marker.replacen('‸', "", 1);
    let uri = format!(
        "file://{}",
        crate::support::root()
            .join("examples/typing.ofit")
            .display()
    );
    editor.open(&uri, &text);
    let (line, character) = (
        text_with_marker[..at].matches('\n').count() as u32,
        text_with_marker[..at]
            .rsplit('\n')
            .next()
            .unwrap()
            .encode_utf16()
            .count() as u32,
    );
    let offered = editor.at(
        "textDocument/completion",
        &uri,
        (line, character),
        json!({}),
    );
    editor.shut_down();
    offered
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| (i["label"].as_str().unwrap().to_string(), i.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn labels(offered: &[(String, Value)]) -> Vec<&str> {
    offered.iter().map(|(label, _)| label.as_str()).collect()
}

fn tutorial_with_cursor(after: &str, nth: usize, typed: &str) -> String {
    let text =
        std::fs::read_to_string(crate::support::root().join("examples/tutorial.ofit")).unwrap();
    let at = text.match_indices(after).nth(nth).expect("anchor").0 + after.len();
    format!("{}{typed}‸{}", &text[..at], &text[at..])
}

#[test]
fn completion_offers_the_names_in_scope_where_a_reference_goes() {
    let offered = completions(&tutorial_with_cursor("data      = ", 0, ""));
    assert_eq!(labels(&offered), ["imdb"], "datasets after `data =`");
    let offered = completions(&tutorial_with_cursor("train     = ", 0, "tu"));
    assert_eq!(
        labels(&offered),
        ["tutorial"],
        "training blocks after `train =`"
    );
    let offered = completions(&tutorial_with_cursor("bigger: ", 0, ""));
    assert_eq!(labels(&offered), ["mlp"]);
    assert_eq!(
        offered[0].1["detail"],
        "model mlp(units: int = 16, l2: float = 0.0, dropout: float = 0.0)"
    );
}

#[test]
fn completion_offers_builtins_with_their_signatures_where_a_call_goes() {
    let offered = completions(&tutorial_with_cursor("dense(1, sigmoid)\n", 0, "  "));
    let names = labels(&offered);
    for layer in ["dense", "dropout", "embedding", "lstm", "conv1d", "repeat"] {
        assert!(names.contains(&layer), "{layer} in {names:?}");
    }
    let dense = &offered.iter().find(|(l, _)| l == "dense").unwrap().1;
    assert_eq!(
        dense["detail"],
        "dense(units, [activation], use_bias = …, kernel_regularizer = …, bias_regularizer = …)"
    );
    assert_eq!(dense["insertText"], "dense($0)");

    let offered = completions(&tutorial_with_cursor("optimizer  = ", 0, ""));
    assert_eq!(labels(&offered), ["adam", "sgd", "rmsprop"]);
    let offered = completions(&tutorial_with_cursor("metrics    = [accuracy, ", 0, ""));
    assert!(labels(&offered).contains(&"binary_crossentropy"));
    assert!(labels(&offered).contains(&"mae"));
}

#[test]
fn completion_offers_the_keys_a_block_lacks_and_the_arguments_a_call_lacks() {
    let offered = completions(&tutorial_with_cursor("seed       = 42\n", 0, "  "));
    assert_eq!(
        labels(&offered),
        ["early_stopping"],
        "every other setting is written"
    );
    assert_eq!(offered[0].1["insertText"], "early_stopping = ");

    let offered = completions(&tutorial_with_cursor("dense(units, relu, ", 0, ""));
    let names = labels(&offered);
    assert!(
        names.contains(&"use_bias") && names.contains(&"bias_regularizer"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"kernel_regularizer"),
        "already given: {names:?}"
    );
    assert!(
        names.contains(&"units") && names.contains(&"dropout"),
        "the template's parameters: {names:?}"
    );

    let offered = completions(&tutorial_with_cursor("}\n", 1, "\n"));
    assert_eq!(
        labels(&offered),
        ["dataset", "model", "train", "experiment"]
    );
}

#[test]
fn completion_works_in_a_definition_that_does_not_parse_yet() {
    let typing = tutorial_with_cursor("experiment dropout {\n", 0, "  models = { wide: ");
    let offered = completions(&typing.replace("‸\n", "‸\n  \n"));
    assert_eq!(labels(&offered), ["mlp"]);
}

/// Where each builtin with defaults can be written in a minimal spec: its dataset (multi-hot
/// or sequences), and its model's layers or its optimizer with `#` where arguments go.
const CONTEXTS: &[(&str, bool, &str)] = &[
    ("dense", false, "dense(4#) dense(1, sigmoid)"),
    (
        "batch_norm",
        false,
        "dense(4) batch_norm(#) dense(1, sigmoid)",
    ),
    (
        "embedding",
        true,
        "embedding(8#) global_average_pooling() dense(1, sigmoid)",
    ),
    (
        "conv1d",
        true,
        "embedding(8) conv1d(4, 3#) global_average_pooling() dense(1, sigmoid)",
    ),
    (
        "max_pooling1d",
        true,
        "embedding(8) max_pooling1d(#) global_average_pooling() dense(1, sigmoid)",
    ),
    ("lstm", true, "embedding(8) lstm(4#) dense(1, sigmoid)"),
    ("gru", true, "embedding(8) gru(4#) dense(1, sigmoid)"),
    ("adam", false, "adam(#)"),
    ("sgd", false, "sgd(#)"),
    ("rmsprop", false, "rmsprop(#)"),
];

fn minimal_spec(name: &str, sequences: bool, written: &str) -> String {
    let dataset = if sequences {
        "imdb(num_words = 100, encode = sequence(length = 10))"
    } else {
        "imdb(num_words = 100, encode = multi_hot)"
    };
    let optimizer_written = ["adam", "sgd", "rmsprop"].contains(&name);
    let (layers, optimizer) = if optimizer_written {
        ("dense(1, sigmoid)", written)
    } else {
        (written, "adam")
    };
    format!(
        "dataset d = {dataset}\nmodel m {{ {layers} }}\n\
         train t {{ optimizer = {optimizer}  loss = binary_crossentropy  epochs = 1 }}\n\
         experiment e {{ data = d  train = t  models = {{ m: m }} }}\n"
    )
}

#[test]
fn every_default_a_hover_shows_is_the_one_the_checker_fills_in() {
    use ofit::check::vocabulary::BUILTINS;
    let compile = |text: &str| {
        let checked = ofit::compile(&ofit::source::Source::new("d.ofit", text));
        checked
            .program
            .unwrap_or_else(|| panic!("{text}\n{:?}", checked.diagnostics))
    };
    let mut checked = 0;
    for builtin in BUILTINS.iter().filter(|b| !b.defaults.is_empty()) {
        let &(_, sequences, template) = CONTEXTS
            .iter()
            .find(|(name, _, _)| *name == builtin.name)
            .unwrap_or_else(|| panic!("no test context for `{}`", builtin.name));
        let bare = minimal_spec(builtin.name, sequences, &template.replace('#', ""));
        for (param, default) in builtin.defaults {
            let comma = if template.contains("(#") { "" } else { ", " };
            let written = template.replace('#', &format!("{comma}{param} = {default}"));
            let explicit = minimal_spec(builtin.name, sequences, &written);
            assert_eq!(
                compile(&explicit),
                compile(&bare),
                "`{}`'s {param} = {default}",
                builtin.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} defaults");
}

#[test]
fn every_layer_optimizer_loss_metric_and_activation_has_a_hover() {
    let mut names: Vec<&str> = ofit::check::vocabulary::layers().to_vec();
    for key in [
        "optimizer",
        "loss",
        "metrics",
        "activation",
        "kernel_regularizer",
    ] {
        names.extend(ofit::check::vocabulary::values(None, key));
    }
    for name in names {
        let shown = ofit::check::vocabulary::describe(name)
            .unwrap_or_else(|| panic!("`{name}` has no hover"));
        assert!(shown.contains(" — "), "{shown}");
    }
    assert_eq!(
        ofit::check::vocabulary::describe("adam").unwrap(),
        "```ofit\nadam(lr = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7)\n```\noptimizer — Adam, as Keras's `Adam`; `lr` may be a schedule."
    );
}
