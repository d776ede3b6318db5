//! Every environment variable in one table (issue 21):
//! `crm_domain::settings::VARIABLES`. The README's settings table is that
//! table, row for row, and no code outside tests reads a variable the table
//! does not name. On a mismatch the expected README table is printed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crm_domain::settings::VARIABLES;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README table `VARIABLES` renders to.
fn rendered() -> String {
    let mut out = String::from("| variable | meaning | default |\n|---|---|---|\n");
    for v in VARIABLES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            v.name, v.meaning, v.default
        ));
    }
    out
}

#[test]
fn the_readme_settings_table_is_the_variable_table() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("### Settings (environment)")
        .expect("the README has a settings section");
    let table_start = start + readme[start..].find("| variable |").expect("its table");
    let table_end = table_start + readme[table_start..].find("\n\n").expect("end of table");
    let table = &readme[table_start..=table_end];
    assert!(
        table == rendered(),
        "README's settings table differs from crm_domain::settings::VARIABLES; it should read:\n\n{}",
        rendered()
    );
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            // Test code may read its own variables (CRM_TEST_STORE).
            if !matches!(name, "tests" | "target" | "examples" | "bench") {
                rust_sources(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The string literals of `source` (outside comments) that look like one
/// of this service's environment variables.
fn variables_named(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        for piece in code.split('"').skip(1).step_by(2) {
            let ours = ["CRM_", "TWILIO_"].iter().any(|p| piece.starts_with(p))
                || [
                    "TABLE_NAME",
                    "REPLY_QUEUE_URL",
                    "SEND_QUEUE_URL",
                    "EVENT_BUS_NAME",
                    "RUST_LOG",
                ]
                .contains(&piece);
            if ours
                && piece
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                found.insert(piece.to_string());
            }
        }
    }
    found
}

#[test]
fn code_reads_no_variable_the_table_lacks() {
    let mut files = Vec::new();
    for dir in ["shared", "functions"] {
        rust_sources(&root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "{} source files", files.len());
    let known: BTreeSet<&str> = VARIABLES.iter().map(|v| v.name).collect();
    let mut read = BTreeSet::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("source");
        for name in variables_named(&source) {
            assert!(
                known.contains(name.as_str()),
                "{} reads {name}, which crm_domain::settings::VARIABLES (and so the README) lacks",
                file.display()
            );
            read.insert(name);
        }
    }
    // The table names nothing stale: every variable is read somewhere
    // (RUST_LOG by tracing-subscriber's EnvFilter, not by name).
    for v in VARIABLES {
        assert!(
            read.contains(v.name) || v.name == "RUST_LOG",
            "{} is in the table but no code reads it",
            v.name
        );
    }
}

#[test]
fn the_scan_sees_a_variable_and_skips_comments() {
    let found = variables_named("let a = var(\"CRM_X\"); // \"CRM_Y\"\nlet b = \"crm_z\";");
    assert_eq!(found, BTreeSet::from(["CRM_X".to_string()]));
}
