//! Measures redaction on a generated corpus: `redact-corpus [texts]` (default 1200) prints how
//! many pieces of personal data survived (misses, target 0) and how many pieces of text that
//! must stay were removed (over-redactions), with examples of each.

use doithoai_redact::corpus;
use std::time::Instant;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1200);
    let cases = corpus::generate(n);
    let started = Instant::now();
    let report = corpus::measure(&cases);
    let elapsed = started.elapsed();
    println!(
        "texts: {}  pieces checked: {}  misses: {}  over-redactions: {}  time: {:.1} ms ({:.0} µs per text)",
        report.texts,
        report.pieces,
        report.misses.len(),
        report.over.len(),
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / report.texts.max(1) as f64
    );
    for (text, piece) in report.misses.iter().take(10) {
        println!("MISS  {piece:?} in: {text}");
    }
    for (text, piece) in report.over.iter().take(10) {
        println!("OVER  {piece:?} in: {text}");
    }
}
