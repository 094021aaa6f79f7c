//! The text after each command's `--help` options: exit statuses, the
//! settings the command reads, and an example (CONTRACT §1 exit codes).

/// `cashapply --help`.
pub const TOP: &str = "\
Exit status: 0 success; 1 any other failure; 2 bad usage; 3 an input file was rejected.
Each command's --help lists its exit statuses, config keys and an example.";

/// `apply --help`.
pub const APPLY: &str = "\
Exit status:
  0  success (exceptions are normal business output, not failures)
  1  any other failure: a file cannot be read; --out is a file, holds a file of cashapply's
     names that cashapply did not write, cannot be written, or another run held its lock 30 s
  2  bad usage
  3  an input was rejected (malformed or failed a check); every problem is listed as
     FILE:LINE: error: ... and nothing is written

Config keys (--config FILE, TOML; every key optional, unknown keys are errors):
  write_off_max = \"5.00\"          decimal amount; a shortfall up to the lower of this
  write_off_percent = \"0.5\"       decimal percent; ... and this share of the open amount is written off
  discount_grace_days = 3         whole number of days a discount stays earned after discount_until
  auto_apply_confidence = \"0.90\"  decimal above 0, at most 1, not below suggestion_confidence;
                                  below it nothing is posted to an invoice
  suggestion_confidence = \"0.50\"  decimal 0 to 1; candidates above it are suggested on exceptions
  learned_write_off_limit = \"0\"   decimal amount; `run` writes off a short payment up to this when
                                  its deduction reason has a learned write-off code (0: never)

Environment: CASHAPPLY_PROGRESS=1 prints each phase with its time on stderr;
CASHAPPLY_LOCK_WAIT_SECS=N waits N seconds (default 30) for another run writing --out.

Example:
  cashapply apply --bank fixtures/apply/morning.bai2 --invoices fixtures/apply/open_invoices.csv \\
                  --customers fixtures/apply/customers.csv --out out";

/// `parse --help`.
pub const PARSE: &str = "\
Exit status:
  0  success
  1  any other failure (for example a file cannot be read)
  2  bad usage
  3  a file was rejected (the other files are still printed; a file's receipts stream once its
     output passes 1 MiB, so a larger file rejected late has had some printed: stderr says how many)

Config keys: none (parse reads no --config). --layout NAME|FILE picks a lockbox layout:
  bai-80, bai-104, bai-300, csv, csv-cents, or a TOML layout file.

Example:
  cashapply parse --json fixtures/apply/morning.bai2";

/// `generate --help`.
pub const GENERATE: &str = "\
Exit status:
  0  success
  1  a file cannot be written
  2  bad usage (a non-empty --out included)

Config keys: none (generate reads no --config; the truth follows CONTRACT §3's defaults).

Example:
  cashapply generate --seed 7 --profile hard --customers 200 --invoices 5000 --receipts 2000 --out bench";

/// `eval --help`.
pub const EVAL: &str = "\
Exit status:
  0  success
  1  a file cannot be read
  2  bad usage
  3  the truth or an output file is malformed, or the output's receipts are not in the truth
     (an output of another data set)

Config keys: none (eval reads no --config).

Example:
  cashapply apply --bank bench/bank/*.bai2 --invoices bench/open_invoices.csv \\
                  --customers bench/customers.csv --out bench/out
  cashapply eval --truth bench/truth.json --out bench/out";
