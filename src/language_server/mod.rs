//! `ofit lsp`: the checker, the formatter and the model summaries in an editor, over the
//! Language Server Protocol (the `lsp-server` crate: blocking, no async runtime).
//!
//! Every open spec is kept checked as of its latest text (full-text sync). Requests are
//! answered from that state, so nothing typed waits on data: the server never trains and
//! never fetches. Its one look at the disk is the headers of the spec's table files, for
//! the data lint `ofit check` runs too and for the input widths of the summaries; each is
//! read once per version of its file (`data::header_cache`).

mod complete;
mod document;
mod hover;
mod navigate;

pub use document::Document;

use crate::data::Context;
use crate::diagnostic::{Diagnostic, Severity};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest,
    References, Rename, Request as _,
};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, DiagnosticRelatedInformation, DocumentFormattingParams,
    GotoDefinitionParams, GotoDefinitionResponse, HoverParams, HoverProviderCapability, Location,
    OneOf, PrepareRenameResponse, PublishDiagnosticsParams, ReferenceParams, RenameOptions,
    RenameParams, ServerCapabilities, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Url, WorkspaceEdit,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// What the server can do, as it tells the editor at `initialize`.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![
                "(".into(),
                ",".into(),
                "=".into(),
                ":".into(),
                "[".into(),
            ]),
            ..Default::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// Answers the editor on `connection` until it shuts the server down. `data` is the data
/// context a spec's files are linted with (its `spec_dir` is replaced by each spec's own
/// folder): the caller reads the environment, the server does not.
pub fn serve(
    connection: &Connection,
    data: Context,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let capabilities = serde_json::to_value(capabilities())?;
    connection.initialize(capabilities)?;
    let mut server = Server {
        documents: HashMap::new(),
        parses: HashMap::new(),
        data,
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = server.request(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                if let Some(published) = server.notification(notification) {
                    connection.sender.send(Message::Notification(published))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

struct Server {
    documents: HashMap<Url, Document>,
    /// Per open spec, its items as last parsed.
    parses: HashMap<Url, crate::syntax::Reuse>,
    data: Context,
}

/// An error answered to a request.
type Refusal = (ErrorCode, String);

impl Server {
    /// Takes in a notification; the diagnostics to publish, if it changed a spec.
    fn notification(&mut self, notification: Notification) -> Option<Notification> {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let opened = params::<lsp_types::DidOpenTextDocumentParams>(notification)?;
                let doc = opened.text_document;
                Some(self.update(doc.uri, doc.text, Some(doc.version)))
            }
            DidChangeTextDocument::METHOD => {
                let changed = params::<lsp_types::DidChangeTextDocumentParams>(notification)?;
                // Full sync: the last change holds the whole text.
                let text = changed.content_changes.into_iter().last()?.text;
                let doc = changed.text_document;
                Some(self.update(doc.uri, text, Some(doc.version)))
            }
            DidCloseTextDocument::METHOD => {
                let closed = params::<lsp_types::DidCloseTextDocumentParams>(notification)?;
                let uri = closed.text_document.uri;
                self.documents.remove(&uri);
                self.parses.remove(&uri);
                Some(publish(uri, Vec::new(), None))
            }
            _ => None,
        }
    }

    /// Checks the new text of `uri` and gives its diagnostics to publish.
    fn update(&mut self, uri: Url, text: String, version: Option<i32>) -> Notification {
        let path = uri.to_file_path().ok();
        let name = path
            .as_ref()
            .map_or_else(|| uri.to_string(), |p| p.display().to_string());
        let mut doc = Document::new(&name, text, self.parses.entry(uri.clone()).or_default());
        if let (Some(program), Some(path)) = (&doc.checked.program, &path) {
            let mut ctx = self.data.clone();
            ctx.spec_dir = path
                .parent()
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            let all: Vec<usize> = (0..program.datasets.len()).collect();
            let found = crate::data::lint::datasets(program, &doc.checked.datasets, &all, &ctx);
            doc.checked.diagnostics.extend(found);
            doc.checked.diagnostics.sort_by_key(Diagnostic::span);
            // The summaries a hover shows need the input widths of CSV models, from the
            // files' headers; when one cannot be read, its widths stay unknown there.
            if let Some(program) = &mut doc.checked.program {
                let experiments: Vec<usize> = (0..program.experiments.len()).collect();
                let _ = crate::data::load::resolve_input_widths(program, &experiments, &ctx);
            }
        }
        let diagnostics = diagnostics(&uri, &doc);
        self.documents.insert(uri.clone(), doc);
        publish(uri, diagnostics, version)
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => self.answer(request, |s, p: HoverParams| {
                let (doc, offset) = s.at(&p.text_document_position_params)?;
                Ok(hover::hover(doc, offset))
            }),
            Completion::METHOD => self.answer(request, |s, p: lsp_types::CompletionParams| {
                let (doc, offset) = s.at(&p.text_document_position)?;
                Ok(complete::complete(doc, offset))
            }),
            GotoDefinition::METHOD => self.answer(request, |s, p: GotoDefinitionParams| {
                let position = &p.text_document_position_params;
                let (doc, offset) = s.at(position)?;
                Ok(navigate::symbol_at(doc, offset).map(|(symbol, _)| {
                    let span = navigate::definition(doc, symbol);
                    GotoDefinitionResponse::Scalar(Location::new(
                        position.text_document.uri.clone(),
                        doc.range(span),
                    ))
                }))
            }),
            References::METHOD => self.answer(request, |s, p: ReferenceParams| {
                let position = &p.text_document_position;
                let (doc, offset) = s.at(position)?;
                Ok(navigate::symbol_at(doc, offset).map(|(symbol, _)| {
                    let mut spans = navigate::occurrences(doc, symbol);
                    if !p.context.include_declaration {
                        spans.remove(0);
                    }
                    let uri = &position.text_document.uri;
                    spans
                        .into_iter()
                        .map(|span| Location::new(uri.clone(), doc.range(span)))
                        .collect::<Vec<_>>()
                }))
            }),
            PrepareRenameRequest::METHOD => {
                self.answer(request, |s, p: TextDocumentPositionParams| {
                    let (doc, offset) = s.at(&p)?;
                    Ok(navigate::symbol_at(doc, offset)
                        .map(|(_, span)| PrepareRenameResponse::Range(doc.range(span))))
                })
            }
            Rename::METHOD => self.answer(request, |s, p: RenameParams| {
                let position = &p.text_document_position;
                let (doc, offset) = s.at(position)?;
                let Some((symbol, _)) = navigate::symbol_at(doc, offset) else {
                    return Err((
                        ErrorCode::InvalidParams,
                        "there is no name to rename here".to_string(),
                    ));
                };
                if let Some(why) = navigate::rename_refused(doc, symbol, &p.new_name) {
                    return Err((ErrorCode::InvalidParams, why));
                }
                let edits = navigate::occurrences(doc, symbol)
                    .into_iter()
                    .map(|span| TextEdit::new(doc.range(span), p.new_name.clone()))
                    .collect();
                let uri = position.text_document.uri.clone();
                Ok(WorkspaceEdit::new(HashMap::from([(uri, edits)])))
            }),
            CodeActionRequest::METHOD => self.answer(request, |s, p: CodeActionParams| {
                let doc = s.document(&p.text_document.uri)?;
                let start = doc.offset(p.range.start);
                let end = doc.offset(p.range.end);
                let actions: Vec<CodeActionOrCommand> = doc
                    .checked
                    .diagnostics
                    .iter()
                    .filter(|d| d.span().start <= end && start <= d.span().end)
                    .filter_map(|d| quick_fix(&p.text_document.uri, doc, d))
                    .collect();
                Ok(actions)
            }),
            Formatting::METHOD => self.answer(request, |s, p: DocumentFormattingParams| {
                let doc = s.document(&p.text_document.uri)?;
                match crate::format::format(&doc.source) {
                    Ok(text) if text == doc.text() => Ok(Vec::new()),
                    Ok(text) => Ok(vec![TextEdit::new(
                        doc.range((0..doc.text().len()).into()),
                        text,
                    )]),
                    Err(_) => Err((
                        ErrorCode::RequestFailed,
                        "the spec has a syntax error, so it was not formatted".to_string(),
                    )),
                }
            }),
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("ofit lsp does not answer `{}`", request.method),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    /// Decodes a request's parameters, answers them with `handle`, and encodes the answer.
    fn answer<P, R>(
        &self,
        request: Request,
        handle: impl FnOnce(&Self, P) -> Result<R, Refusal>,
    ) -> Result<serde_json::Value, Refusal>
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let params: P = serde_json::from_value(request.params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("bad parameters: {e}")))?;
        let answer = handle(self, params)?;
        Ok(serde_json::to_value(answer).expect("LSP types serialize"))
    }

    fn document(&self, uri: &Url) -> Result<&Document, Refusal> {
        self.documents
            .get(uri)
            .ok_or_else(|| (ErrorCode::InvalidParams, format!("`{uri}` is not open")))
    }

    fn at(&self, position: &TextDocumentPositionParams) -> Result<(&Document, usize), Refusal> {
        let doc = self.document(&position.text_document.uri)?;
        Ok((doc, doc.offset(position.position)))
    }
}

fn publish(
    uri: Url,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams::new(uri, diagnostics, version),
    )
}

/// A spec's diagnostics as the editor shows them.
fn diagnostics(uri: &Url, doc: &Document) -> Vec<lsp_types::Diagnostic> {
    doc.checked
        .diagnostics
        .iter()
        .map(|d| to_lsp(uri, doc, d))
        .collect()
}

/// One diagnostic as the editor shows it: what `ofit check` says, help included, its other
/// labels as related places.
fn to_lsp(uri: &Url, doc: &Document, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message = format!("{message}\nhelp: {help}");
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .skip(1)
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), doc.range(label.span)),
            message: label.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: doc.range(d.span()),
        severity: Some(match d.severity {
            Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp_types::NumberOrString::String(d.code.to_string())),
        source: Some("ofit".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

/// A did-you-mean as a quick fix: the suggested name in place of the mistake.
fn quick_fix(uri: &Url, doc: &Document, d: &Diagnostic) -> Option<CodeActionOrCommand> {
    let fix = d.fix.as_ref()?;
    let edit = TextEdit::new(doc.range(d.span()), fix.clone());
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Replace `{}` with `{fix}`", doc.slice(d.span())),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![to_lsp(uri, doc, d)]),
        edit: Some(WorkspaceEdit::new(HashMap::from([(
            uri.clone(),
            vec![edit],
        )]))),
        is_preferred: Some(true),
        ..CodeAction::default()
    }))
}
