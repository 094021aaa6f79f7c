//! Writes a benchmark truth as a `cashapply apply` output directory — what
//! a perfect matcher would write — to check `cashapply eval` end to end and
//! to time it: `cargo run --release --example truth_as_output TRUTH DIR`,
//! then `cashapply eval --truth TRUTH --out DIR` scores 100%.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [truth, dir] = args.as_slice() else {
        eprintln!("usage: truth_as_output TRUTH.json OUT_DIR");
        return ExitCode::from(2);
    };
    let written = cashapply_synth::read_truth(Path::new(truth))
        .and_then(|t| cashapply_synth::write_truth_as_output(&t, Path::new(dir)));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
