//! `cashapply eval --truth FILE --out DIR [--json]`: scores an apply output
//! directory against a benchmark truth with the CONTRACT §5 metrics.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cashapply_synth::{SynthError, check_output_belongs, read_output, read_truth, render_table, score};
use clap::Args;

use super::EXIT_REJECTED;

/// Arguments of `eval`.
#[derive(Debug, Args)]
#[command(after_help = super::help::EVAL)]
pub struct EvalArgs {
    /// The truth.json written by `cashapply generate`.
    #[arg(long)]
    truth: PathBuf,
    /// The `cashapply apply --out` directory (postings.csv, exceptions.csv, receipts.csv).
    #[arg(long)]
    out: PathBuf,
    /// Print the report as one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `eval`: the table (or JSON) on stdout. Exit 3 when the truth or an
/// output file is malformed, or the output's receipts are not the truth's;
/// 1 when one cannot be read.
pub fn run(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let truth = match read_truth(&args.truth) {
        Ok(t) => t,
        Err(e @ SynthError::Rejected { .. }) => {
            writeln!(io::stderr(), "{e}")?;
            return Ok(ExitCode::from(EXIT_REJECTED));
        }
        Err(e) => return Err(anyhow::Error::from(e).context(format!("cannot read {}", args.truth.display()))),
    };
    let output = match read_output(&args.out) {
        Ok(o) => o,
        Err(e @ SynthError::Rejected { .. }) => {
            writeln!(io::stderr(), "{e}")?;
            return Ok(ExitCode::from(EXIT_REJECTED));
        }
        Err(e) => {
            return Err(anyhow::Error::from(e).context(format!(
                "cannot read the apply output in {} (postings.csv, exceptions.csv, receipts.csv)",
                args.out.display()
            )));
        }
    };
    if let Err(e) =
        check_output_belongs(&truth, &output, &args.truth.display().to_string(), &args.out.display().to_string())
    {
        writeln!(io::stderr(), "cashapply: error: {e}")?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let report = score(&truth, &output);
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        out.write_all(b"\n")?;
    } else {
        out.write_all(render_table(&report).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
