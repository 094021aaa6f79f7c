//! `01` File Header (spec p.17–18).

use cashapply_model::Diagnostics;
use chrono::NaiveDate;

use super::date_time::{is_valid_time, parse_date};
use super::error::{Bai2Error, Bai2ErrorKind};
use super::field_cursor::FieldCursor;

/// A parsed `01` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader<'a> {
    /// Sender identification.
    pub sender: &'a str,
    /// Receiver identification.
    pub receiver: &'a str,
    /// File creation date.
    pub creation_date: NaiveDate,
    /// File creation time as written.
    pub creation_time: &'a str,
    /// File identification number.
    pub file_id: &'a str,
    /// Version number: `2` for BAI2, `3` for BTRS (banks also stamp `3` on BAI2 data).
    pub version: &'a str,
}

impl<'a> FileHeader<'a> {
    /// Reads the fields after `01,`. Versions `2` (BAI2) and `3` (BTRS,
    /// moov-io/bai2#117) are read alike; a missing or other version is read
    /// as BAI2 with a warning.
    pub(crate) fn parse(c: &mut FieldCursor<'_, 'a>, diags: &mut Diagnostics) -> Result<Self, Bai2Error> {
        let (line, byte) = c.position();
        let missing = |field| Bai2Error::new(line, byte, Bai2ErrorKind::MissingField { record: "01", field });
        let sender = c.next_field().map_or("", |f| f.text);
        let receiver = c.next_field().map_or("", |f| f.text);
        let date = c.next_value().ok_or_else(|| missing("file creation date"))?;
        let creation_date = parse_date(date.text)
            .ok_or_else(|| Bai2Error::invalid(&date, "01", "file creation date", "a YYMMDD date"))?;
        let time = c.next_field();
        let creation_time = time.map_or("", |f| f.text);
        if let Some(t) = time.filter(|t| !t.text.is_empty() && !is_valid_time(t.text)) {
            diags.warn(t.line, t.byte, format!("01 record: file creation time '{}' is not HHMM", t.text));
        }
        let file_id = c.next_field().map_or("", |f| f.text);
        let _physical_record_length = c.next_field();
        let _block_size = c.next_field();
        let version = c.next_field().map_or("", |f| f.text);
        match version {
            // BTRS (ANSI X9.121) version 3 is read as it is: every BAI2 file
            // reads as BTRS and BTRS changed no field position; what it
            // retired or moved is handled where the field is read (02
            // currency and group status may be empty, 03 groups are
            // positional, 01 times may be HHMMSS).
            "2" | "3" => {}
            "" => diags.warn(line, byte, "01 record: version number missing; read as BAI2"),
            v => diags.warn(line, byte, format!("01 record: version '{v}' is not 2; read as BAI2")),
        }
        if sender.is_empty() {
            diags.warn(line, byte, "01 record: sender identification is empty");
        }
        Ok(FileHeader { sender, receiver, creation_date, creation_time, file_id, version })
    }
}
