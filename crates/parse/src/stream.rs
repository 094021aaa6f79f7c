//! Reading a bank file from disk as a stream: receipts are handed to a
//! [`ReceiptSink`] as they are read, so memory does not grow with the file
//! (`cashapply parse`). BAI2, camt and fixed-width lockbox files stream;
//! a CSV lockbox file (a few thousand rows a day) is read whole.
//!
//! The file-level limits are those of [`crate::read_bank_file`]: no NUL byte
//! in the first [`SNIFF_BYTES`], at most [`MAX_FILE_BYTES`] (known from the
//! file's metadata before anything is read).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use cashapply_model::{Diagnostics, Receipt, SourceFormat};

use crate::camt::CamtEntry;
use crate::input_limits::{check_limits, too_large};
use crate::{
    InputFormat, MAX_FILE_BYTES, ParseOptions, ReadBankFileError, ReceiptSink, SNIFF_BYTES, SkippedEntries,
    StatementInfo, detect_format,
};

/// What a streamed file yielded besides the receipts handed to the sink.
#[derive(Debug, Clone)]
pub struct StreamedFile {
    /// The file name as given.
    pub name: String,
    /// The format read.
    pub format: SourceFormat,
    /// Entries that are not receipts.
    pub skipped: SkippedEntries,
    /// Warnings (errors reject the file instead).
    pub diagnostics: Diagnostics,
    /// The statements it carries (camt blocks with an `Id`, BAI2 files).
    pub statements: Vec<StatementInfo>,
}

/// Reads the bank file at `path` as a stream: every receipt goes to `sink`
/// as soon as it is read, in file order; the format is `format` or detected
/// from the content (as [`crate::parse_file`] does).
///
/// On `Err` the receipts already handed out belong to a rejected file (most
/// faults — a missing trailer, a total that does not reconcile under
/// `--strict` — are found after the receipts before them) and must be
/// discarded or reported as such.
pub fn read_bank_file_streaming(
    path: &Path,
    format: Option<InputFormat>,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
) -> Result<StreamedFile, ReadBankFileError> {
    let name = path.display().to_string();
    let io = |error| ReadBankFileError::Io { file: name.clone(), error };
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(io)?;
    if let Some(e) = check_limits(&name, &head, false) {
        return Err(e.into());
    }
    if len > MAX_FILE_BYTES {
        return Err(too_large(&name, MAX_FILE_BYTES + 1, false, MAX_FILE_BYTES).into());
    }
    let format = match format.or_else(|| detect_format(&head)) {
        Some(f) => f,
        // Content not recognised from its start (a layout decides, or the
        // start is blank for longer than the sniffed bytes): read it whole.
        None => return read_whole(&name, head, file, None, options, sink),
    };
    let input = io::Cursor::new(head).chain(file);
    match format {
        InputFormat::Bai2 => crate::bai2::read_stream(&name, input, options, sink),
        InputFormat::Camt => read_camt(&name, input, options, sink),
        InputFormat::Lockbox => crate::lockbox::read_stream(&name, input, options, sink),
        InputFormat::LockboxCsv => read_whole(&name, Vec::new(), input, Some(format), options, sink),
    }
}

/// Reads the rest of the file into memory and parses it whole.
fn read_whole(
    name: &str,
    mut bytes: Vec<u8>,
    rest: impl Read,
    format: Option<InputFormat>,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
) -> Result<StreamedFile, ReadBankFileError> {
    let io = |error| ReadBankFileError::Io { file: name.to_string(), error };
    rest.take(MAX_FILE_BYTES + 1 - bytes.len() as u64).read_to_end(&mut bytes).map_err(io)?;
    let file = crate::parse_file(name, &bytes, format, options)?;
    for r in file.receipts {
        sink.receipt(r);
    }
    Ok(StreamedFile {
        name: file.name,
        format: file.format,
        skipped: file.skipped,
        diagnostics: file.diagnostics,
        statements: file.statements,
    })
}

/// Passes receipts on and keeps the statements.
struct Capture<'a> {
    inner: &'a mut dyn ReceiptSink,
    statements: Vec<StatementInfo>,
}

impl ReceiptSink for Capture<'_> {
    fn receipt(&mut self, receipt: Receipt) {
        self.inner.receipt(receipt);
    }

    fn entry(&mut self, entry: CamtEntry) {
        self.inner.entry(entry);
    }

    fn statement(&mut self, statement: StatementInfo) {
        self.statements.push(statement);
    }
}

fn read_camt(
    name: &str,
    input: impl Read,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
) -> Result<StreamedFile, ReadBankFileError> {
    let mut utf8 = Utf8Reader::new(input);
    let mut capture = Capture { inner: sink, statements: Vec::new() };
    let summary = crate::camt::read_stream(name, BufReader::with_capacity(64 * 1024, &mut utf8), options, &mut capture);
    let summary = summary.map_err(|e| match (utf8.io_error.take(), e) {
        (Some(error), _) => ReadBankFileError::Io { file: name.to_string(), error },
        (None, e) => ReadBankFileError::Rejected(e),
    })?;
    let mut diagnostics = Diagnostics::default();
    if utf8.windows_1252 {
        diagnostics.warn(0, 0, "file is not UTF-8; read as Windows-1252 (byte offsets refer to the decoded text)");
    }
    diagnostics.extend(summary.diagnostics);
    Ok(StreamedFile {
        name: name.to_string(),
        format: summary.format,
        skipped: summary.skipped,
        diagnostics,
        statements: capture.statements,
    })
}

/// UTF-8 out of a source that should be UTF-8: bytes pass as they are
/// until one is not UTF-8; from there the rest is decoded as Windows-1252
/// (the rule of [`crate::decode_text`] for a file held in memory, applied
/// from the first bad byte on).
struct Utf8Reader<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    windows_1252: bool,
    eof: bool,
    /// The source's own error, kept so it is reported as an I/O error.
    io_error: Option<io::Error>,
    /// A source failure after some bytes arrived, reported on the next read.
    failed: Option<io::Error>,
}

impl<R: Read> Utf8Reader<R> {
    fn new(inner: R) -> Self {
        Utf8Reader {
            inner,
            raw: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            windows_1252: false,
            eof: false,
            io_error: None,
            failed: None,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        if let Some(e) = self.failed.take() {
            self.io_error = Some(io::Error::new(e.kind(), e.to_string()));
            return Err(e);
        }
        if !self.eof {
            let old = self.raw.len();
            // `read_to_end` fills spare capacity without zeroing it first.
            match (&mut self.inner).take(64 * 1024).read_to_end(&mut self.raw) {
                // What arrived before a failure is passed on first.
                Err(e) if self.raw.len() > old => self.failed = Some(e),
                Err(e) => {
                    self.io_error = Some(io::Error::new(e.kind(), e.to_string()));
                    return Err(e);
                }
                Ok(_) => self.eof = self.raw.len() == old,
            }
        }
        let valid = match std::str::from_utf8(&self.raw) {
            _ if self.windows_1252 => 0,
            Ok(_) => self.raw.len(),
            Err(e) if e.error_len().is_none() && !self.eof => {
                // A character cut by the read: keep its bytes for the next one.
                let valid = e.valid_up_to();
                self.out.extend_from_slice(self.raw.get(..valid).unwrap_or_default());
                self.raw.drain(..valid);
                return Ok(());
            }
            Err(e) => {
                self.windows_1252 = true;
                e.valid_up_to()
            }
        };
        let (good, rest) = self.raw.split_at(valid.min(self.raw.len()));
        self.out.extend_from_slice(good);
        if !rest.is_empty() {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(rest);
            self.out.extend_from_slice(text.as_bytes());
        }
        self.raw.clear();
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            if self.eof && self.raw.is_empty() {
                return Ok(0);
            }
            self.refill()?;
        }
        let available = self.out.get(self.out_pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::{ParseError, ParsedFile};

    /// Every shipped fixture and public sample bank file.
    fn bank_files() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let shared = root.join("../shared/samples");
        assert!(shared.is_dir(), "{} is missing: these tests read the public samples of ../shared", shared.display());
        let dirs = [
            root.join("fixtures/bai2"),
            root.join("fixtures/apply"),
            root.join("fixtures/camt"),
            root.join("fixtures/lockbox"),
            shared.join("bai2"),
            shared.join("camt"),
            shared.join("lockbox"),
        ];
        let mut files: Vec<PathBuf> = dirs
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !p.extension().is_some_and(|x| x == "md" || x == "csv" || x == "toml"))
            .collect();
        files.sort();
        assert!(files.len() > 60, "only {} bank files found", files.len());
        files
    }

    #[derive(Default)]
    struct Collect(Vec<Receipt>);

    impl ReceiptSink for Collect {
        fn receipt(&mut self, receipt: Receipt) {
            self.0.push(receipt);
        }
    }

    /// What a reading yields, comparable whichever way it was read.
    fn outcome(r: Result<(Vec<Receipt>, StreamedFile), ReadBankFileError>) -> Result<String, String> {
        match r {
            Ok((receipts, f)) => Ok(format!(
                "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
                f.format,
                f.skipped,
                f.diagnostics.items(),
                f.statements,
                receipts
            )),
            Err(ReadBankFileError::Rejected(e)) => {
                Err(format!("{e}\n{:?}", e.diagnostics().map(|d| d.items().to_vec())))
            }
            Err(e) => Err(format!("io: {e}")),
        }
    }

    fn collected(r: Result<ParsedFile, ParseError>) -> Result<String, String> {
        outcome(r.map_err(Into::into).map(|f| {
            (
                f.receipts,
                StreamedFile {
                    name: f.name,
                    format: f.format,
                    skipped: f.skipped,
                    diagnostics: f.diagnostics,
                    statements: f.statements,
                },
            )
        }))
    }

    fn streamed(read: impl FnOnce(&mut Collect) -> Result<StreamedFile, ReadBankFileError>) -> Result<String, String> {
        let mut sink = Collect::default();
        let r = read(&mut sink);
        outcome(r.map(|f| (sink.0, f)))
    }

    #[test]
    fn every_fixture_and_sample_streams_to_what_the_whole_file_reader_gives() {
        for strict in [false, true] {
            let options = ParseOptions { strict, ..ParseOptions::default() };
            for path in bank_files() {
                let name = path.display().to_string();
                let bytes = std::fs::read(&path).unwrap();
                let whole = collected(crate::parse_file(&name, &bytes, None, &options));
                let stream = streamed(|sink| read_bank_file_streaming(&path, None, &options, sink));
                assert_eq!(whole, stream, "{name} (strict: {strict})");
            }
        }
    }

    #[test]
    fn a_stream_cut_at_every_few_bytes_reads_as_the_whole_file() {
        let options = ParseOptions::default();
        for path in bank_files() {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let format = crate::detect_format(&bytes);
            for read_size in [1, 3, 13, 1000] {
                let stream = match format {
                    Some(InputFormat::Bai2) => {
                        streamed(|sink| crate::bai2::read_stream_sized(&name, &bytes[..], &options, sink, read_size))
                    }
                    Some(InputFormat::Lockbox) => {
                        streamed(|sink| crate::lockbox::read_stream_sized(&name, &bytes[..], &options, sink, read_size))
                    }
                    Some(InputFormat::Camt) => streamed(|sink| {
                        read_camt(&name, SmallReads { bytes: &bytes[..], size: read_size }, &options, sink)
                    }),
                    _ => continue,
                };
                let whole = collected(crate::parse_file(&name, &bytes, None, &options));
                assert_eq!(whole, stream, "{name} read {read_size} bytes at a time");
            }
        }
    }

    #[test]
    fn damaged_bai2_and_lockbox_files_stream_to_the_same_rejections_and_receipts() {
        // Each file cut, with lines dropped, doubled, blanked, split by a
        // lone CR, continued by a stray 88 or given a Latin-1 byte.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let options = ParseOptions::default();
        for path in bank_files() {
            let bytes = std::fs::read(&path).unwrap();
            let format = crate::detect_format(&bytes);
            if !matches!(format, Some(InputFormat::Bai2 | InputFormat::Lockbox)) {
                continue;
            }
            for _ in 0..100 {
                let mut lines: Vec<Vec<u8>> = bytes.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                for _ in 0..1 + next(3) {
                    let at = next(lines.len());
                    match next(7) {
                        0 if !lines.is_empty() => drop(lines.remove(at.min(lines.len() - 1))),
                        0 => {}
                        1 => lines.insert(at, lines.get(at).cloned().unwrap_or_default()),
                        2 => lines.insert(at, b"   \r\n".to_vec()),
                        3 => lines.insert(at, b"88,STRAY TEXT/\r".to_vec()),
                        4 => lines.insert(at, b"M\xFCller\n".to_vec()),
                        5 => lines.truncate(at + 1),
                        _ => {
                            if let Some(l) = lines.get_mut(at) {
                                let cut = next(l.len());
                                l.truncate(cut);
                            }
                        }
                    }
                }
                let damaged: Vec<u8> = lines.concat();
                // The one documented difference (`line_chunks`): valid UTF-8
                // letters before a file's first non-UTF-8 byte stay letters
                // when streamed, where the whole-file rule re-reads them as
                // Windows-1252.
                if let Err(e) = std::str::from_utf8(&damaged)
                    && !damaged[..e.valid_up_to()].is_ascii()
                {
                    continue;
                }
                let name = path.display().to_string();
                let whole = collected(crate::parse_file(&name, &damaged, format, &options));
                let stream = streamed(|sink| match format {
                    Some(InputFormat::Bai2) => {
                        crate::bai2::read_stream_sized(&name, &damaged[..], &options, sink, 1 + next(40))
                    }
                    _ => crate::lockbox::read_stream_sized(&name, &damaged[..], &options, sink, 1 + next(40)),
                });
                assert_eq!(whole, stream, "{name} damaged:\n{}", String::from_utf8_lossy(&damaged));
            }
        }
    }

    /// A source that hands out at most `size` bytes per read.
    struct SmallReads<'a> {
        bytes: &'a [u8],
        size: usize,
    }

    impl Read for SmallReads<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.size.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// A source that fails once its first `good` bytes are read, as a
    /// network share that drops does.
    struct FailsAfter<'a> {
        bytes: &'a [u8],
        good: usize,
    }

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.good == 0 {
                return Err(io::Error::other("the share went away"));
            }
            let n = self.good.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            self.good -= n;
            Ok(n)
        }
    }

    /// Receipts handed out before the source failed, and whether it then
    /// failed as an I/O error.
    fn before_failure(
        read: impl FnOnce(&mut Collect) -> Result<StreamedFile, ReadBankFileError>,
    ) -> (Vec<String>, bool) {
        let mut sink = Collect::default();
        let r = read(&mut sink);
        (sink.0.iter().map(|r| r.bank_ref.clone()).collect(), matches!(r, Err(ReadBankFileError::Io { .. })))
    }

    #[test]
    fn a_bai2_record_beyond_what_a_stream_holds_is_rejected_at_its_line_without_reading_on() {
        let mut text = String::from("01,BANK,ME,261120,0600,1,,,2/\n02,ME,BANK,1,261119,2400,USD,2/\n16,165,1,Z,R,,");
        text.push_str(&"X".repeat(9 * 1024 * 1024));
        text.push_str("/\n99,0,1,3/\n");
        let mut sink = Collect::default();
        let e = crate::bai2::read_stream("big.bai2", text.as_bytes(), &ParseOptions::default(), &mut sink).unwrap_err();
        let ReadBankFileError::Rejected(e) = e else { panic!("expected a rejection, got {e}") };
        let d = e.diagnostics().unwrap().items().last().unwrap().clone();
        // The start of line 3, the line without an end.
        assert_eq!((d.line, d.byte), (3, 62));
        assert!(d.message.contains("no record starts within 8 MiB"), "{}", d.message);
    }

    #[test]
    fn a_bai2_reader_hands_out_the_first_accounts_receipts_before_reading_the_rest() {
        let text = "01,BANK,ME,261120,0600,1,,,2/\n02,ME,BANK,1,261119,2400,USD,2/\n03,111,USD,010,0,,/\n\
                    16,165,1000,Z,REF1,,PAYER ONE/\n49,1000,3/\n03,222,USD,010,0,,/\n16,165,2000,Z,REF2,,PAYER TWO/\n\
                    49,2000,3/\n98,3000,2,8/\n99,3000,1,10/\n";
        let first_account = text.find("03,222").unwrap();
        let (seen, io) = before_failure(|sink| {
            let input = FailsAfter { bytes: text.as_bytes(), good: first_account };
            crate::bai2::read_stream("f.bai2", input, &ParseOptions::default(), sink)
        });
        assert_eq!(seen, vec!["REF1"]);
        assert!(io, "the failure is reported as the source's I/O error");
        let mut all = Collect::default();
        crate::bai2::read_stream("f.bai2", text.as_bytes(), &ParseOptions::default(), &mut all).unwrap();
        assert_eq!(all.0.len(), 2);
    }

    #[test]
    fn a_camt_reader_hands_out_the_first_entrys_receipts_before_reading_the_rest() {
        let entry = |r: &str| {
            format!(
                "<Ntry><Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
                 <BookgDt><Dt>2025-01-31</Dt></BookgDt><AcctSvcrRef>{r}</AcctSvcrRef></Ntry>\n"
            )
        };
        let text = format!(
            "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>\
             <GrpHdr><MsgId>M</MsgId><CreDtTm>2025-01-31T18:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>\
             <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n{}{}</Stmt></BkToCstmrStmt></Document>\n",
            entry("ASR1"),
            entry("ASR2")
        );
        let second = text.find("<Ntry><Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2025-01-31</Dt></BookgDt><AcctSvcrRef>ASR2").unwrap();
        // The source fails just after the `<` that opens the second entry.
        let (seen, io) = before_failure(|sink| {
            read_camt("f.xml", FailsAfter { bytes: text.as_bytes(), good: second + 1 }, &ParseOptions::default(), sink)
        });
        assert_eq!(seen, vec!["ASR1"]);
        assert!(io, "the failure is reported as the source's I/O error");
    }

    #[test]
    fn a_lockbox_reader_hands_out_a_closed_lockboxs_checks_before_reading_the_rest() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lockbox/bai80_credit_memo.lbx");
        let one = std::fs::read_to_string(fixture).unwrap();
        let lines: Vec<&str> = one.lines().collect();
        // The fixture's lockbox (its 5 to its 8), then a second one like it.
        let five = lines.iter().position(|l| l.starts_with('5')).unwrap();
        let nine = lines.iter().position(|l| l.starts_with('9')).unwrap();
        let mut text = String::new();
        for l in &lines[..nine] {
            text.push_str(l);
            text.push('\n');
        }
        let second_lockbox = text.len();
        for l in &lines[five..nine] {
            text.push_str(&l.replace("0055555", "0055556"));
            text.push('\n');
        }
        text.push_str(lines[nine]);
        text.push('\n');
        // A layout named, so nothing is read ahead to detect one.
        let layout = crate::lockbox::builtin_layout("bai-80").map(|l| std::sync::Arc::new(l.clone()));
        let options = ParseOptions { lockbox_layout: layout, ..ParseOptions::default() };
        let mut all = Collect::default();
        crate::lockbox::read_stream("f.lbx", text.as_bytes(), &options, &mut all).unwrap();
        let all: Vec<String> = all.0.iter().map(|r| r.bank_ref.clone()).collect();
        assert_eq!(all.len(), 6);
        // The source fails just after the second lockbox's type 5 header.
        let good = second_lockbox + text[second_lockbox..].find('\n').unwrap() + 1;
        let (seen, io) = before_failure(|sink| {
            crate::lockbox::read_stream("f.lbx", FailsAfter { bytes: text.as_bytes(), good }, &options, sink)
        });
        assert_eq!(seen[..], all[..3]);
        assert!(io, "the failure is reported as the source's I/O error");
    }

    #[test]
    fn utf8_passes_through_and_a_latin_1_byte_switches_the_rest_to_windows_1252() {
        let mut out = String::new();
        Utf8Reader::new(&b"<a>caf\xC3\xA9</a>"[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, "<a>café</a>");
        let mut r = Utf8Reader::new(&b"<a>M\xFCller \x80</a>"[..]);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "<a>Müller €</a>");
        assert!(r.windows_1252);
    }

    #[test]
    fn a_character_cut_between_two_reads_is_not_taken_for_latin_1() {
        let source = io::Cursor::new(&b"ab\xC3"[..]).chain(&b"\xA9cd"[..]);
        let mut r = Utf8Reader::new(source);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "abécd");
        assert!(!r.windows_1252);
    }
}
