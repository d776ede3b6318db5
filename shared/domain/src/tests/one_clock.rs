//! One clock (issue 21): every rule reads the time from the service's
//! [`Clock`](crate::clock::Clock) (`Crm::now`, `Crm::now_rfc3339`), so a
//! test that injects a clock ([`Crm::with_clock`](crate::Crm::with_clock))
//! moves every rule's "now" at once. A call of the system clock in the
//! domain or in a function's handler fails here, naming the file and line.
//! Test code (a file's `#[cfg(test)]` tail, `tests/` folders) may read it.

use std::path::{Path, PathBuf};

/// What reads the wall clock (`Instant::now` measures durations: allowed).
const SYSTEM_CLOCK: [&str; 3] = ["now_utc(", "SystemTime::now(", "Utc::now("];

/// The files allowed to read it, and why.
const ALLOWED: [(&str, &str); 3] = [
    ("shared/domain/src/clock.rs", "the system clock itself"),
    (
        "shared/domain/src/types/log_id.rs",
        "ids stay increasing whatever a test clock says",
    ),
    (
        "functions/reply-worker/src/lib.rs",
        "the time left before Lambda's own deadline, an epoch timestamp Lambda gives",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(line, call)` for each system-clock call in `source` before its
/// `#[cfg(test)]` tail, comments left out.
fn clock_reads(source: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        for call in SYSTEM_CLOCK {
            if code.contains(call) {
                found.push((n + 1, call));
            }
        }
    }
    found
}

#[test]
fn rules_read_the_time_from_the_service_clock() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("shared/domain/src"), &mut files);
    let domain = files.len();
    let functions = root.join("functions");
    for entry in std::fs::read_dir(&functions).expect("functions/ beside shared/") {
        let src = entry.expect("folder entry").path().join("src");
        rust_files(&src, &mut files);
    }
    assert!(
        domain >= 40 && files.len() > domain + 10,
        "sources found: {files:?}"
    );
    let mut offenders = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let relative = relative.to_string_lossy().replace('\\', "/");
        if ALLOWED.iter().any(|(allowed, _)| *allowed == relative) {
            continue;
        }
        let source = std::fs::read_to_string(file).expect("readable source");
        for (line, call) in clock_reads(&source) {
            offenders.push(format!("{relative}:{line}: {call}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "the system clock read outside crm_domain::clock (use Crm::now / Crm::now_rfc3339):\n{}",
        offenders.join("\n")
    );
}

/// The check itself finds what it looks for, and leaves test code alone.
#[test]
fn the_check_finds_a_clock_read() {
    let source = "let a = OffsetDateTime::now_utc(); // now\n// SystemTime::now() in a comment\nlet b = self.now();\n#[cfg(test)]\nmod tests { fn t() { SystemTime::now(); } }\n";
    assert_eq!(clock_reads(source), vec![(1, "now_utc(")]);
}
