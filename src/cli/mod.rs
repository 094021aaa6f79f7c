//! Command-line surface (CONTRACT §1).

mod apply_command;
mod eval_command;
mod generate_command;
mod help;
mod ledger_command;
mod parse_command;
mod progress;
mod receipt_view;
mod report_command;
mod workbench_command;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status when an input file was rejected (CONTRACT §1).
pub const EXIT_REJECTED: u8 = 3;

/// Exit status for bad usage (CONTRACT §1).
pub const EXIT_USAGE: u8 = 2;

/// cashapply: apply bank receipts to open invoices.
#[derive(Debug, Parser)]
#[command(name = "cashapply", version, about, propagate_version = true, after_help = help::TOP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Read bank files and print the receipts they carry; diagnostics go to stderr.
    Parse(parse_command::ParseArgs),
    /// Apply the bank files' receipts to open invoices; write postings, exceptions, receipts and a summary.
    Apply(apply_command::ApplyArgs),
    /// Apply the bank files with the ledger (CONTRACT §6): nothing posted twice, cash in flight, exceptions kept.
    Run(ledger_command::RunArgs),
    /// Record that the ERP imported a batch (all of it, or the postings listed).
    Confirm(ledger_command::ConfirmArgs),
    /// The exception queue and coordinators' actions (list, show, resolve, assign, snooze, note, undo, unapply, …).
    Queue(ledger_command::QueueArgs),
    /// Workbench users: add a person, create an API token.
    User(workbench_command::UserArgs),
    /// Serve the coordinators' workbench (web pages and the JSON API) over the ledger.
    Serve(workbench_command::ServeArgs),
    /// Receipt actions (reverse).
    Receipt(ledger_command::ReceiptArgs),
    /// Print the history of a receipt, invoice or exception.
    Show(ledger_command::ShowArgs),
    /// Copy the ledger with SQLite's online backup.
    Backup(ledger_command::BackupArgs),
    /// Receivables reports over the ledger (CONTRACT §8).
    Report(report_command::ReportArgs),
    /// Collections follow-up: reminder letters and promises to pay.
    Collections(report_command::CollectionsArgs),
    /// Generate a synthetic remittance benchmark with ground truth (truth.json).
    Generate(generate_command::GenerateArgs),
    /// Score an apply output directory against a benchmark truth (CONTRACT §5).
    Eval(eval_command::EvalArgs),
}

/// Parses arguments, runs the command, and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Parse(args) => parse_command::run(&args),
        Command::Apply(args) => apply_command::run(&args),
        Command::Run(args) => ledger_command::run(&args),
        Command::Confirm(args) => ledger_command::confirm(&args),
        Command::Queue(args) => ledger_command::queue(&args),
        Command::User(args) => workbench_command::user(&args),
        Command::Serve(args) => workbench_command::serve(&args),
        Command::Receipt(args) => ledger_command::receipt(&args),
        Command::Show(args) => ledger_command::show(&args),
        Command::Backup(args) => ledger_command::backup(&args),
        Command::Report(args) => report_command::report(&args),
        Command::Collections(args) => report_command::collections(&args),
        Command::Generate(args) => generate_command::run(&args),
        Command::Eval(args) => eval_command::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "cashapply: error: {}", render_chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined by `: `, each cause once: an OS error
/// that a message already quotes (`path: No such file (os error 2)`) is not
/// repeated after it.
fn render_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// A closed stdout (`cashapply parse … | head`) is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}
