//! Text positions: the only place where byte offsets become lines and columns.
//!
//! Offsets inside the engine are UTF-8 byte offsets. Lines break on LF, CR and
//! CRLF only (never on Unicode line separators), as LSP prescribes. Columns are
//! counted in the unit a client negotiated: UTF-8 bytes, UTF-16 code units or
//! Unicode scalar values (UTF-32).

/// A half-open byte range in a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    /// The same span `delta` bytes further on (back, when negative).
    pub fn shifted(self, delta: isize) -> Span {
        Span {
            start: self.start.wrapping_add_signed(delta),
            end: self.end.wrapping_add_signed(delta),
        }
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a line's content, without its line break.
    fn line_bounds(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let b = text.as_bytes();
        while end > start && (b[end - 1] == b'\n' || b[end - 1] == b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// Converts a byte offset (clamped to the text, moved back to a character
    /// boundary) into a position.
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let (start, end) = self.line_bounds(text, line);
        let upto = offset.min(end);
        let column = count_units(&text[start..upto], enc);
        Position {
            line: line as u32,
            column: column as u32,
        }
    }

    /// Converts a position into a byte offset. Lines past the end clamp to the
    /// end of the text; columns past the end of a line clamp to the end of
    /// that line; a column inside a character moves to that character's start.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let (start, end) = self.line_bounds(text, line);
        let mut units = 0usize;
        for (i, ch) in text[start..end].char_indices() {
            let w = unit_len(ch, enc);
            if units + w > pos.column as usize {
                return start + i;
            }
            units += w;
        }
        end
    }

    /// The text of one line, without its line break.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        if line >= self.starts.len() {
            return "";
        }
        let (s, e) = self.line_bounds(text, line);
        &text[s..e]
    }
}

fn unit_len(ch: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => ch.len_utf8(),
        Encoding::Utf16 => ch.len_utf16(),
        Encoding::Utf32 => 1,
    }
}

fn count_units(s: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => s.len(),
        Encoding::Utf16 => s.chars().map(char::len_utf16).sum(),
        Encoding::Utf32 => s.chars().count(),
    }
}

/// The same conversions on a rope (the server's open documents). ropey is
/// built with `cr_lines` and without `unicode_lines`, so its lines are the
/// protocol's: LF, CR and CRLF.
pub mod rope {
    use super::{Encoding, Position};

    /// The char index of a position, clamped to the line's content (never
    /// inside its line break) and to the text.
    pub fn char_at(rope: &ropey::Rope, p: Position, enc: Encoding) -> usize {
        let line = p.line as usize;
        if line >= rope.len_lines() {
            return rope.len_chars();
        }
        let mut idx = rope.line_to_char(line);
        let mut units = 0usize;
        for ch in rope.line(line).chars() {
            if ch == '\n' || ch == '\r' {
                break;
            }
            let w = super::unit_len(ch, enc);
            if units + w > p.column as usize {
                break;
            }
            units += w;
            idx += 1;
        }
        idx
    }

    /// A tree-sitter point (row, byte column) of a byte offset: tree-sitter
    /// counts rows by LF only.
    pub fn point_at(rope: &ropey::Rope, byte: usize) -> tree_sitter::Point {
        let byte = byte.min(rope.len_bytes());
        let mut row = 0;
        let mut col = 0;
        for chunk in rope.byte_slice(..byte).chunks() {
            for b in chunk.bytes() {
                if b == b'\n' {
                    row += 1;
                    col = 0;
                } else {
                    col += 1;
                }
            }
        }
        tree_sitter::Point::new(row, col)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn rope_positions_match_the_line_index() {
            for text in ["é中😀x\nab", "a\r\nb\rc", "", "😀😀\n\n😀"] {
                let rope = ropey::Rope::from_str(text);
                let idx = super::super::LineIndex::new(text);
                for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                    for line in 0..4u32 {
                        for column in 0..10u32 {
                            let p = Position { line, column };
                            let from_rope = rope.char_to_byte(char_at(&rope, p, enc));
                            assert_eq!(
                                from_rope,
                                idx.offset(text, p, enc),
                                "{text:?} {p:?} {enc:?}"
                            );
                        }
                    }
                }
            }
        }

        #[test]
        fn points_count_lf_only() {
            let rope = ropey::Rope::from_str("ab\r\ncd\ref");
            assert_eq!(point_at(&rope, 5), tree_sitter::Point::new(1, 1));
            assert_eq!(point_at(&rope, 9), tree_sitter::Point::new(1, 5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, offset: usize, enc: Encoding, line: u32, column: u32) {
        let idx = LineIndex::new(text);
        let p = idx.position(text, offset, enc);
        assert_eq!(
            (p.line, p.column),
            (line, column),
            "position of {offset} in {text:?} ({enc:?})"
        );
        assert_eq!(
            idx.offset(text, p, enc),
            offset,
            "offset of {p:?} in {text:?}"
        );
    }

    #[test]
    fn ascii() {
        roundtrip("abc\ndef", 5, Encoding::Utf16, 1, 1);
        roundtrip("abc\ndef", 3, Encoding::Utf8, 0, 3); // end of line
        roundtrip("abc\ndef", 7, Encoding::Utf32, 1, 3); // end of file
    }

    #[test]
    fn accented_cjk_and_astral() {
        let t = "é中😀x";
        // x sits after 2 + 3 + 4 bytes
        roundtrip(t, 9, Encoding::Utf8, 0, 9);
        roundtrip(t, 9, Encoding::Utf16, 0, 4); // é=1, 中=1, 😀=2
        roundtrip(t, 9, Encoding::Utf32, 0, 3);
    }

    #[test]
    fn crlf_and_cr() {
        let t = "a\r\nb\rc";
        roundtrip(t, 3, Encoding::Utf16, 1, 0);
        roundtrip(t, 5, Encoding::Utf16, 2, 0);
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_count(), 3);
        // a column past the end of line 0 clamps before the CRLF
        assert_eq!(
            idx.offset(
                t,
                Position {
                    line: 0,
                    column: 10
                },
                Encoding::Utf16
            ),
            1
        );
    }

    #[test]
    fn empty_document_and_clamping() {
        let idx = LineIndex::new("");
        assert_eq!(
            idx.position("", 10, Encoding::Utf16),
            Position { line: 0, column: 0 }
        );
        assert_eq!(
            idx.offset("", Position { line: 5, column: 5 }, Encoding::Utf16),
            0
        );
    }

    #[test]
    fn inside_a_surrogate_pair_moves_to_char_start() {
        let t = "😀a";
        let idx = LineIndex::new(t);
        assert_eq!(
            idx.offset(t, Position { line: 0, column: 1 }, Encoding::Utf16),
            0
        );
        // an offset inside a multi-byte char moves back to its start
        assert_eq!(
            idx.position(t, 2, Encoding::Utf16),
            Position { line: 0, column: 0 }
        );
    }

    #[test]
    fn unicode_line_separator_is_not_a_break() {
        let t = "a\u{2028}b";
        assert_eq!(LineIndex::new(t).line_count(), 1);
    }
}
