//! Measures complaint and denunciation detection (`intake::domain::complaint::classify`) on the
//! labelled corpora in `data/`: `cargo run -p intake --bin complaint-corpus` prints, per corpus
//! and class, how many texts were decided right (recall), how many of the texts decided as a
//! class were that class (precision), how many went to a clerk's triage queue, and how many
//! were decided wrong — with every wrong decision quoted.

use intake::domain::complaint::{Verdict, classify, corpus};

fn main() {
    for (name, text) in corpus::FILES {
        let rows = corpus::measure(text);
        let total: usize = rows.iter().map(|r| r.texts).sum();
        println!("corpus {name:?}: {total} texts");
        for r in &rows {
            println!(
                "  {:17} texts {:3}  right {:3}  recall {:.2}  precision {:.2}  to clerk {:2}  wrong {:2}",
                r.label,
                r.texts,
                r.right,
                r.recall(),
                r.precision(),
                r.to_clerk,
                r.wrong
            );
        }
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records().flatten() {
            let (Some(label), Some(text)) = (record.get(0), record.get(1)) else {
                continue;
            };
            let said = match classify(None, text) {
                Verdict::Pakn => "pakn",
                Verdict::Sure(s) => s.code(),
                Verdict::Unsure(_) => continue,
            };
            if said != label {
                println!("    WRONG {label} decided as {said}: {text}");
            }
        }
    }
}
