//! Peak-memory probe for the streaming camt reader: writes a deterministic
//! statement of the given size (default 100 MB) to a file, then streams it
//! through `camt::read_stream` from a `BufReader<File>`, counting receipts.
//!
//! `/usr/bin/time -v target/release/examples/camt_stream_memory [MB] [path] [mode]`
//! reports the peak resident set size of the whole process. `mode` is
//! `stream` (default: `read_stream` over `BufReader<File>`), `slice`
//! (`camt::read` over the whole file read into memory), `streammem`
//! (`read_stream` over the file read into memory, best of 5) or `raw` (quick-xml
//! events only, no camt work: the ceiling the reader can reach).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};

use cashapply_parse::{ParseOptions, camt};

/// The allocator the `cashapply` binary uses, so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/support/camt_statement.rs"]
mod camt_statement;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mb: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let path = args.next().unwrap_or_else(|| "target/camt_stream_memory.xml".to_string());
    let mode = args.next().unwrap_or_else(|| "stream".to_string());
    if std::fs::metadata(&path).map(|m| m.len() < mb * 1024 * 1024).unwrap_or(true) {
        let mut out = BufWriter::new(File::create(&path)?);
        let entries = camt_statement::write_statement(&mut out, mb * 1024 * 1024)?;
        out.flush()?;
        eprintln!("wrote {path}: {entries} entries");
    }
    let cpu_start = cpu_seconds();
    let start = std::time::Instant::now();
    let mut receipts = 0u64;
    let mut total = rust_decimal::Decimal::ZERO;
    let mut sink = |r: cashapply_model::Receipt| {
        receipts += 1;
        total = total.checked_add(r.amount).unwrap_or(total);
    };
    let summary = match mode.as_str() {
        "raw" => {
            let data = std::fs::read(&path)?;
            let cpu0 = cpu_seconds();
            let mut reader = quick_xml::Reader::from_reader(&data[..]);
            let mut events = 0u64;
            loop {
                match reader.read_event()? {
                    quick_xml::events::Event::Eof => break,
                    _ => events += 1,
                }
            }
            let cpu = cpu_seconds() - cpu0;
            println!(
                "raw quick-xml: {events} events, {:.0} MB per CPU second",
                data.len() as f64 / 1e6 / cpu.max(0.01)
            );
            return Ok(());
        }
        "rawbuf" => {
            let cpu0 = cpu_seconds();
            let input = BufReader::with_capacity(64 * 1024, File::open(&path)?);
            let mut reader = quick_xml::Reader::from_reader(input);
            let mut buf = Vec::new();
            let mut events = 0u64;
            loop {
                match reader.read_event_into(&mut buf)? {
                    quick_xml::events::Event::Eof => break,
                    _ => events += 1,
                }
                buf.clear();
            }
            let cpu = cpu_seconds() - cpu0;
            let size = std::fs::metadata(&path)?.len();
            println!(
                "raw buffered quick-xml: {events} events, {:.0} MB per CPU second",
                size as f64 / 1e6 / cpu.max(0.01)
            );
            return Ok(());
        }
        "streammem" => {
            // The streaming reader over bytes already in memory, as the
            // criterion bench runs it (no file system in the figure).
            let data = std::fs::read(&path)?;
            let mut best = f64::MAX;
            for _ in 0..5 {
                let cpu0 = cpu_seconds();
                let mut n = 0u64;
                let mut count = |_r: cashapply_model::Receipt| n += 1;
                camt::read_stream(&path, &data[..], &ParseOptions::default(), &mut count)?;
                best = best.min(cpu_seconds() - cpu0);
                receipts = n;
            }
            println!(
                "streammem: {receipts} receipts, best of 5: {:.0} MB per CPU second",
                data.len() as f64 / 1e6 / best.max(0.01)
            );
            return Ok(());
        }
        "slice" => {
            let data = std::fs::read(&path)?;
            let cpu0 = cpu_seconds();
            let file = camt::read(&path, &data, &ParseOptions::default())?;
            let cpu = cpu_seconds() - cpu0;
            println!(
                "slice: {} receipts, {:.0} MB per CPU second",
                file.receipts.len(),
                data.len() as f64 / 1e6 / cpu.max(0.01)
            );
            return Ok(());
        }
        _ => {
            let input = BufReader::with_capacity(64 * 1024, File::open(&path)?);
            camt::read_stream(&path, input, &ParseOptions::default(), &mut sink)?
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    let size = std::fs::metadata(&path)?.len();
    println!(
        "{receipts} receipts, EUR {total}, {} debits skipped, {} warnings, {:.1} MB in {secs:.2} s wall = {:.0} MB/s, {cpu:.2} s CPU = {:.0} MB/s per CPU second",
        summary.skipped.debits,
        summary.diagnostics.warning_count(),
        size as f64 / 1e6,
        size as f64 / 1e6 / secs,
        size as f64 / 1e6 / cpu.max(0.01)
    );
    Ok(())
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, in
/// clock ticks of 1/100 s); 0 elsewhere. Wall time misleads on a shared box.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
