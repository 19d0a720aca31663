//! `--format github`: GitHub Actions workflow commands, which the Actions
//! runner turns into annotations on the run and on the pull request's diff.
//!
//! One command per finding:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=DO101 class-not-exported::message`
//! (warning → `::warning`, info and hint → `::notice`). Columns count
//! Unicode characters, as in the JSON format, and `endColumn` points just
//! past the span; a span over several lines has no `col`/`endColumn`
//! (GitHub takes them only on one line). The message is followed by the
//! related locations, the environments and the rule's page, one per line.
//!
//! Escaping (the runner's own rules): in the message `%`, CR and LF become
//! `%25`, `%0D`, `%0A`; in property values `:` and `,` also become `%3A`
//! and `%2C`.
//!
//! GitHub shows at most 10 annotations of each type (error, warning,
//! notice) per step and drops the rest without a word. So the first 10
//! errors and 10 warnings are commands, and then one notice says how many
//! more of each type there are and where to read them; that notice is
//! itself a notice, so when it is needed only 9 other notices are commands.
//! The whole human report follows in a collapsed log group, so no finding
//! is lost. Without overflow, the summary line closes the output.

use super::{human, Checked};
use crate::rules::{doc_url, Diagnostic, Severity, DOCS_BASE};
use std::io::{self, Write};

/// Annotations of one type that GitHub shows per step.
pub const PER_TYPE: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn of(s: Severity) -> Level {
        match s {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info | Severity::Hint => Level::Notice,
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One annotation, with 1-based positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub file: String,
    pub line: u32,
    pub end_line: u32,
    /// Start and end column, on a one-line span only.
    pub columns: Option<(u32, u32)>,
    pub title: String,
    pub message: String,
}

/// `%`, CR and LF escaped: the message of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The message escapes plus `:` and `,`: a property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for an annotation, without the line break.
pub fn command(a: &Annotation) -> String {
    let mut props = format!("file={},line={}", escape_property(&a.file), a.line);
    if let Some((col, _)) = a.columns {
        props.push_str(&format!(",col={col}"));
    }
    props.push_str(&format!(",endLine={}", a.end_line));
    if let Some((_, end)) = a.columns {
        props.push_str(&format!(",endColumn={end}"));
    }
    props.push_str(&format!(",title={}", escape_property(&a.title)));
    format!(
        "::{} {props}::{}",
        a.level.command(),
        escape_data(&a.message)
    )
}

/// The annotation of a finding.
pub fn annotation(c: &Checked, d: &Diagnostic) -> Annotation {
    let s = c.position(&d.file, d.span.start);
    let e = c.position(&d.file, d.span.end);
    let mut message = d.message.clone();
    for r in &d.related {
        let p = c.position(&r.file, r.span.start);
        message.push_str(&format!(
            "\n{}:{}:{}: {}",
            c.display_path(&r.file),
            p.line + 1,
            p.column + 1,
            r.message
        ));
    }
    if !d.envs.is_empty() {
        message.push_str(&format!("\nenvironments: {}", d.envs.join(", ")));
    }
    message.push_str(&format!("\n{}", doc_url(DOCS_BASE, d.code)));
    Annotation {
        level: Level::of(d.severity),
        file: c.display_path(&d.file),
        line: s.line + 1,
        end_line: e.line + 1,
        columns: (s.line == e.line).then_some((s.column + 1, e.column + 1)),
        title: format!("{} {}", d.code, d.name()),
        message,
    }
}

/// What GitHub will show: the annotations to print, in order, and how many
/// of each level (error, warning, notice) are left out.
pub fn cap(all: &[Annotation]) -> (Vec<&Annotation>, [usize; 3]) {
    let mut total = [0usize; 3];
    for a in all {
        total[a.level.index()] += 1;
    }
    let overflow = total.iter().any(|&n| n > PER_TYPE);
    // The overflow notice takes one of the notices' places.
    let limit = [
        PER_TYPE,
        PER_TYPE,
        if overflow { PER_TYPE - 1 } else { PER_TYPE },
    ];
    let mut shown = Vec::new();
    let mut count = [0usize; 3];
    let mut left = [0usize; 3];
    for a in all {
        let i = a.level.index();
        if count[i] < limit[i] {
            count[i] += 1;
            shown.push(a);
        } else {
            left[i] += 1;
        }
    }
    (shown, left)
}

/// The notice that stands for the annotations GitHub would not show.
pub fn overflow_notice(left: [usize; 3], total: usize) -> String {
    let names = [
        ("error", "errors"),
        ("warning", "warnings"),
        ("notice", "notices"),
    ];
    let parts: Vec<String> = left
        .iter()
        .zip(names)
        .filter(|(n, _)| **n > 0)
        .map(|(n, (one, many))| format!("{n} more {}", if *n == 1 { one } else { many }))
        .collect();
    let list = match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        _ => format!(
            "{} and {}",
            parts[..parts.len() - 1].join(", "),
            parts[parts.len() - 1]
        ),
    };
    format!(
        "::notice title={}::{}",
        escape_property("durable-lsp: more findings than annotations"),
        escape_data(&format!(
            "GitHub shows {PER_TYPE} annotations of each type per step; {list} are not annotated. \
             All {total} findings are in this step's log, in the group \"{}\".",
            group_title(total)
        ))
    )
}

fn group_title(total: usize) -> String {
    format!(
        "durable-lsp: all {total} finding{}",
        if total == 1 { "" } else { "s" }
    )
}

pub fn write(out: &mut dyn Write, c: &Checked) -> io::Result<()> {
    let all: Vec<Annotation> = super::sorted(&c.report.diagnostics)
        .into_iter()
        .map(|d| annotation(c, d))
        .collect();
    let (shown, left) = cap(&all);
    for a in &shown {
        writeln!(out, "{}", command(a))?;
    }
    if left.iter().any(|&n| n > 0) {
        writeln!(out, "{}", overflow_notice(left, all.len()))?;
        writeln!(out, "::group::{}", escape_data(&group_title(all.len())))?;
        human::write(out, c, false)?;
        writeln!(out, "::endgroup::")
    } else {
        writeln!(out, "{}", human::summary(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(level: Level, n: u32) -> Annotation {
        Annotation {
            level,
            file: "wrangler.toml".into(),
            line: n,
            end_line: n,
            columns: Some((1, 5)),
            title: "DO101 class-not-exported".into(),
            message: format!("finding {n}"),
        }
    }

    #[test]
    fn escapes_messages_and_properties() {
        let a = Annotation {
            level: Level::Error,
            file: "we,ird:dir/100%.ts".into(),
            line: 3,
            end_line: 3,
            columns: Some((7, 12)),
            title: "DO101 class-not-exported, again: 50%".into(),
            message: "100% sure: a, b\r\nnext line\nlast".into(),
        };
        assert_eq!(
            command(&a),
            "::error file=we%2Cird%3Adir/100%25.ts,line=3,col=7,endLine=3,endColumn=12,\
             title=DO101 class-not-exported%2C again%3A 50%25::100%25 sure: a, b%0D%0Anext line%0Alast"
        );
        assert_eq!(escape_data("%0A"), "%250A", "an escape already in the text");
    }

    #[test]
    fn levels_map_to_commands() {
        assert_eq!(Level::of(Severity::Error).command(), "error");
        assert_eq!(Level::of(Severity::Warning).command(), "warning");
        assert_eq!(Level::of(Severity::Info).command(), "notice");
        assert_eq!(Level::of(Severity::Hint).command(), "notice");
    }

    #[test]
    fn a_span_over_several_lines_has_no_columns() {
        let a = Annotation {
            level: Level::Warning,
            end_line: 9,
            columns: None,
            ..ann(Level::Warning, 4)
        };
        assert_eq!(
            command(&a),
            "::warning file=wrangler.toml,line=4,endLine=9,title=DO101 class-not-exported::finding 4"
        );
    }

    #[test]
    fn ten_of_each_type_then_one_notice() {
        // 12 errors, 10 warnings, 3 notices.
        let mut all: Vec<Annotation> = (1..=12).map(|n| ann(Level::Error, n)).collect();
        all.extend((1..=10).map(|n| ann(Level::Warning, n)));
        all.extend((1..=3).map(|n| ann(Level::Notice, n)));
        let (shown, left) = cap(&all);
        assert_eq!(left, [2, 0, 0]);
        let count = |l: Level| shown.iter().filter(|a| a.level == l).count();
        assert_eq!(
            (
                count(Level::Error),
                count(Level::Warning),
                count(Level::Notice)
            ),
            (10, 10, 3)
        );
        // The first ten, in order.
        assert_eq!(shown[9].line, 10);
        assert_eq!(
            overflow_notice(left, all.len()),
            "::notice title=durable-lsp%3A more findings than annotations::GitHub shows 10 \
             annotations of each type per step; 2 more errors are not annotated. All 25 findings \
             are in this step's log, in the group \"durable-lsp: all 25 findings\"."
        );
    }

    #[test]
    fn the_overflow_notice_keeps_a_notice_place() {
        // 10 notices fit alone...
        let notices: Vec<Annotation> = (1..=10).map(|n| ann(Level::Notice, n)).collect();
        assert_eq!(cap(&notices).1, [0, 0, 0]);
        // ...but not beside the overflow notice.
        let mut all: Vec<Annotation> = (1..=11).map(|n| ann(Level::Warning, n)).collect();
        all.extend(notices);
        let (shown, left) = cap(&all);
        assert_eq!(left, [0, 1, 1]);
        assert_eq!(shown.len(), 10 + 9);
        assert!(overflow_notice(left, all.len()).contains("1 more warning and 1 more notice"));
        // 11 notices: 9 annotated, 2 left.
        let many: Vec<Annotation> = (1..=11).map(|n| ann(Level::Notice, n)).collect();
        assert_eq!(cap(&many).1, [0, 0, 2]);
    }
}
