//! Suppression comments: `durable-lsp-ignore DO101, DO103: reason`.
//!
//! A comment that ends a line of code applies to that line; a comment on a
//! line of its own applies to the next line. The comment marker is `//` (or
//! `/*`) in TypeScript, JavaScript, JSON, JSONC and Rust, `#` in TOML and
//! Python. Parsing is textual and per file, so it is cached with the file.

use crate::text::Span;

pub const MARKER: &str = "durable-lsp-ignore";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStyle {
    /// `//` and `/* */`
    Slash,
    /// `#`
    Hash,
}

impl CommentStyle {
    /// The style of a file, by its extension.
    pub fn of(path: &std::path::Path) -> Option<CommentStyle> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" | "jsx" | "json" | "jsonc"
            | "rs" => CommentStyle::Slash,
            "toml" | "py" => CommentStyle::Hash,
            _ => return None,
        })
    }
}

/// One `durable-lsp-ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// From the marker to the end of the comment.
    pub span: Span,
    /// The codes as written, with their spans.
    pub codes: Vec<(String, Span)>,
    /// The text after `:`, when not empty.
    pub reason: Option<String>,
    /// The bytes of the line it applies to: a diagnostic that starts here is
    /// suppressed.
    pub target: Span,
}

impl Suppression {
    pub fn covers(&self, offset: usize) -> bool {
        self.target.start <= offset
            && (offset < self.target.end || (offset == self.target.end && self.target.is_empty()))
    }
}

/// The byte ranges of the lines of `text` (without their line breaks).
fn lines(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(Span::new(start, i));
                start = i + 1;
            }
            b'\r' => {
                out.push(Span::new(start, i));
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(Span::new(start, b.len()));
    out
}

/// Every suppression comment in `text`.
pub fn find(text: &str, style: CommentStyle) -> Vec<Suppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines = lines(text);
    let mut out = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let s = &text[line.start..line.end];
        let Some(m) = s.find(MARKER) else { continue };
        // The marker must open the comment: only whitespace between the
        // comment's start and the marker.
        let before = &s[..m];
        let trimmed = before.trim_end();
        let opener = match style {
            CommentStyle::Slash => ["//", "/*"]
                .iter()
                .find(|o| trimmed.ends_with(**o))
                .copied(),
            CommentStyle::Hash => trimmed.ends_with('#').then_some("#"),
        };
        let Some(opener) = opener else { continue };
        let code_part = trimmed[..trimmed.len() - opener.len()].trim_end();
        let own_line = code_part.is_empty()
            || (style == CommentStyle::Slash
                && code_part.ends_with("{")
                && code_part.trim() == "{");
        let start = line.start + m;
        let mut rest_start = start + MARKER.len();
        let mut end = line.end;
        if opener == "/*" {
            if let Some(close) = text[rest_start..line.end].find("*/") {
                end = rest_start + close;
            }
        }
        // The marker must stand alone (`durable-lsp-ignored` is prose).
        if text[rest_start..end]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != ':')
        {
            continue;
        }
        let mut codes = Vec::new();
        let mut reason = None;
        loop {
            let rest = &text[rest_start..end];
            let skip = rest.len() - rest.trim_start_matches([' ', '\t', ',']).len();
            rest_start += skip;
            let rest = &text[rest_start..end];
            if rest.is_empty() {
                break;
            }
            if let Some(r) = rest.strip_prefix(':') {
                let r = r.trim();
                if !r.is_empty() {
                    reason = Some(r.to_string());
                }
                break;
            }
            let len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let letters = word.len()
                - word
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .len();
            let code_shaped = letters > 0
                && letters < word.len()
                && word[letters..].bytes().all(|b| b.is_ascii_digit());
            if !code_shaped {
                // Prose without a colon: the reason is missing.
                break;
            }
            codes.push((
                rest[..len].to_string(),
                Span::new(rest_start, rest_start + len),
            ));
            rest_start += len;
        }
        let target = if own_line {
            lines.get(li + 1).copied().unwrap_or(Span::new(end, end))
        } else {
            *line
        };
        out.push(Suppression {
            span: Span::new(start, end),
            codes,
            reason,
            target,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: &Suppression) -> Vec<&str> {
        s.codes.iter().map(|(c, _)| c.as_str()).collect()
    }

    #[test]
    fn own_line_applies_to_the_next_line() {
        let t = "a\n  // durable-lsp-ignore DO101: built later\nexport class X {}\n";
        let s = find(t, CommentStyle::Slash);
        assert_eq!(s.len(), 1);
        assert_eq!(codes(&s[0]), ["DO101"]);
        assert_eq!(s[0].reason.as_deref(), Some("built later"));
        assert_eq!(&t[s[0].target.start..s[0].target.end], "export class X {}");
        assert_eq!(
            &t[s[0].span.start..s[0].span.end],
            "durable-lsp-ignore DO101: built later"
        );
    }

    #[test]
    fn trailing_applies_to_its_line() {
        let t = "name = \"ROOM\" # durable-lsp-ignore DO111, DO112\r\nnext = 1";
        let s = find(t, CommentStyle::Hash);
        assert_eq!(codes(&s[0]), ["DO111", "DO112"]);
        assert_eq!(s[0].reason, None);
        assert_eq!(
            &t[s[0].target.start..s[0].target.end],
            "name = \"ROOM\" # durable-lsp-ignore DO111, DO112"
        );
        let (_, sp) = &s[0].codes[1];
        assert_eq!(&t[sp.start..sp.end], "DO112");
    }

    #[test]
    fn block_comments_and_styles() {
        let t = "x(); /* durable-lsp-ignore DO202: polling */ y();";
        let s = find(t, CommentStyle::Slash);
        assert_eq!(s[0].reason.as_deref(), Some("polling"));
        // `#` is not a comment in TypeScript, `//` not in TOML.
        assert!(find("# durable-lsp-ignore DO101: x", CommentStyle::Slash).is_empty());
        assert!(find("// durable-lsp-ignore DO101: x", CommentStyle::Hash).is_empty());
        // The marker inside prose is not a suppression.
        assert!(find("// see durable-lsp-ignore DO101: x", CommentStyle::Slash).is_empty());
        assert!(find("// durable-lsp-ignored DO101", CommentStyle::Slash).is_empty());
    }

    #[test]
    fn no_codes_and_last_line() {
        let t = "// durable-lsp-ignore: because";
        let s = find(t, CommentStyle::Slash);
        assert!(s[0].codes.is_empty());
        assert!(s[0].target.is_empty());
        let t = "// durable-lsp-ignore DO101 because it is fine\nx";
        let s = find(t, CommentStyle::Slash);
        assert_eq!(codes(&s[0]), ["DO101"]);
        assert_eq!(s[0].reason, None);
    }
}
