//! A `BufRead` adapter that counts lines as bytes are consumed, so the
//! streaming reader can say on which line an element starts without
//! keeping the text it has already read.

use std::io::{self, BufRead, Read};

/// Counts `\n` in a slice. The slices between two XML events are short,
/// where a plain (auto-vectorised) loop beats setting up `memchr`.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    if bytes.len() > 256 {
        return memchr::memchr_iter(b'\n', bytes).count() as u64;
    }
    bytes.iter().map(|&b| u64::from(b == b'\n')).sum()
}

/// Wraps a `BufRead`, counting `\n` in everything consumed.
#[derive(Debug)]
pub(crate) struct LineCounter<R> {
    inner: R,
    line: u64,
}

impl<R: BufRead> LineCounter<R> {
    /// Starts at line 1.
    pub(crate) fn new(inner: R) -> Self {
        LineCounter { inner, line: 1 }
    }

    /// The 1-based line of the next unconsumed byte.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The bytes being consumed are the front of the current buffer,
        // which `fill_buf` returns again without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.line += count_newlines(&buf[..n]);
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_as_bytes_are_consumed() {
        let mut r = LineCounter::new(&b"a\nb\nc"[..]);
        assert_eq!(r.line(), 1);
        r.consume(2);
        assert_eq!(r.line(), 2);
        let mut s = String::new();
        r.read_line(&mut s).unwrap();
        assert_eq!(s, "b\n");
        assert_eq!(r.line(), 3);
    }
}
