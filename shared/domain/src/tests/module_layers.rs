//! The domain's layers, held (issue 21): an aggregate — a module that owns
//! stored entities and their rules — never imports another aggregate; what
//! spans aggregates is a flow (`src/flows/`). Below the aggregates sit the
//! modules every one may use and that import none: the foundation (types,
//! store, keys, codec, errors, paging, the clock), the reply pipeline's
//! types (`reply`) and the statistics ledger (`stats`). Inside an
//! aggregate, no two files import each other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The modules that own stored entities.
const AGGREGATES: [&str; 6] = [
    "customers",
    "conversations",
    "messages",
    "suggestions",
    "escalations",
    "connections",
];

/// Modules below the aggregates that must import none of them.
const BELOW: [&str; 3] = ["reply", "sending", "stats"];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The source without comments (`//` to the end of the line), so docs
/// that name another module do not count.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("readable source")
        .lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of `names` that `source` refers to as `crate::<name>`.
fn crate_refs<'a>(source: &str, names: &[&'a str]) -> BTreeSet<&'a str> {
    names
        .iter()
        .copied()
        .filter(|name| {
            source
                .match_indices(&format!("crate::{name}"))
                .any(|(at, m)| {
                    !source[at + m.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
        })
        .collect()
}

#[test]
fn no_aggregate_imports_another_or_a_flow() {
    let mut offenders = Vec::new();
    for aggregate in AGGREGATES {
        let files = rust_files(&src().join(aggregate));
        assert!(!files.is_empty(), "no module {aggregate}");
        for file in files {
            let others: Vec<&str> = AGGREGATES
                .iter()
                .copied()
                .filter(|a| *a != aggregate)
                .chain(["flows"])
                .collect();
            for used in crate_refs(&code(&file), &others) {
                offenders.push(format!("{} uses crate::{used}", file.display()));
            }
        }
    }
    for module in BELOW {
        let mut names: Vec<&str> = AGGREGATES.to_vec();
        names.push("flows");
        for file in rust_files(&src().join(module)) {
            for used in crate_refs(&code(&file), &names) {
                offenders.push(format!("{} uses crate::{used}", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "layer rule broken (move the code into a flow, or the shared type below the aggregates):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_two_files_of_an_aggregate_import_each_other() {
    for aggregate in AGGREGATES {
        let dir = src().join(aggregate);
        let files = rust_files(&dir);
        let stem = |p: &Path| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string()
        };
        let stems: Vec<String> = files.iter().map(|p| stem(p)).collect();
        let uses = |file: &Path, other: &str| code(file).contains(&format!("super::{other}"));
        for a in &files {
            for b in &files {
                if a < b && uses(a, &stem(b)) && uses(b, &stem(a)) {
                    panic!(
                        "{} and {} import each other (of {stems:?})",
                        a.display(),
                        b.display()
                    );
                }
            }
        }
    }
}

/// The check itself sees a reference, and ignores comments and longer names.
#[test]
fn the_check_finds_a_reference() {
    let refs = crate_refs(
        "use crate::messages::X;\nlet y = crate::customers_extra::Z;",
        &["messages", "customers"],
    );
    assert_eq!(refs, BTreeSet::from(["messages"]));
}
