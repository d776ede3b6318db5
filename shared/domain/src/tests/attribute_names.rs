//! No DynamoDB attribute name is written outside the module of the entity
//! that owns it (issue 21): the flows (`src/flows/`), which span entities,
//! change and test stored items only through the records' own methods. A
//! flow that passes a string literal as an attribute name to an update
//! action or a condition fails here, naming the file and line.

use std::path::{Path, PathBuf};

/// The constructors whose first argument is an attribute name.
const NAMED: [&str; 10] = [
    "UpdateAction::Set(",
    "UpdateAction::Add(",
    "UpdateAction::Remove(",
    "Condition::eq(",
    "Condition::Exists(",
    "Condition::NotExists(",
    "Condition::Cmp(",
    "Condition::BeginsWith(",
    "Condition::Contains(",
    "SortCondition::",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The places in `source` where one of [`NAMED`] is given a string literal
/// as its first argument (whitespace and line breaks between allowed).
fn literal_names(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for name in NAMED {
        for (at, _) in source.match_indices(name) {
            let rest = source[at + name.len()..].trim_start();
            if rest.starts_with('"') {
                let line = source[..at].matches('\n').count() + 1;
                let literal: String = rest.chars().take_while(|c| *c != ',').collect();
                found.push((line, format!("{name}{literal}")));
            }
        }
    }
    found
}

#[test]
fn flows_spell_no_attribute_names() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/flows");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= 10, "the flows are where they were: {root:?}");
    let mut offenders = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        for (line, what) in literal_names(&source) {
            offenders.push(format!("{}:{line}: {what}", file.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "attribute names written in flows (move the change into the entity's record module):\n{}",
        offenders.join("\n")
    );
}

/// The check itself finds what it looks for.
#[test]
fn the_check_finds_a_spelled_name() {
    let source = "let a = UpdateAction::Set(\n    \"status\".into(), s(x));\nlet b = Condition::eq(attr::STATUS, v);\n";
    assert_eq!(
        literal_names(source),
        vec![(1, "UpdateAction::Set(\"status\".into()".to_string())]
    );
}
