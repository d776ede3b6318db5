//! Percentile tables of the benches' per-job timings (`make bench`),
//! shared by `reply_bench` and `send_bench`.

use std::time::Duration;

/// The `p`-quantile (0–1) of `sorted`, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Prints a markdown table headed `title` with one row of p50 / p99 per
/// `(label, timings)`, each sorted first.
pub fn print_table(title: &str, rows: &mut [(&str, Vec<Duration>)]) {
    println!("| {title} | p50 | p99 |");
    println!("|---|---|---|");
    for (label, timings) in rows.iter_mut() {
        timings.sort();
        println!(
            "| {label} | {:.2} ms | {:.2} ms |",
            percentile(timings, 0.5),
            percentile(timings, 0.99)
        );
    }
}

/// `whole[i] − part[i]` for each job: the overhead around a part timed inside it.
pub fn minus(whole: &[Duration], part: &[Duration]) -> Vec<Duration> {
    whole
        .iter()
        .zip(part)
        .map(|(w, p)| w.saturating_sub(*p))
        .collect()
}
