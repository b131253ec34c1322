fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let source = ofit::source::Source::new(path, text);
    let checked = ofit::compile(&source);
    for d in &checked.diagnostics {
        println!(
            "{} {:?} {} | {:?} | {:?}",
            d.code,
            source.line_column(d.span().start),
            d.message,
            d.labels,
            d.help
        );
    }
    if let Some(p) = &checked.program {
        println!("{}", serde_json::to_string_pretty(p).unwrap());
    }
}
