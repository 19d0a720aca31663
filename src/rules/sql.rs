//! SQL text passed to `sql.exec`, read with a real tokenizer (sqlparser's,
//! SQLite dialect): string literals, comments and quoted identifiers are
//! told apart, so a rule never matches inside a string or a comment.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The query's text with each `${…}` substitution of a template literal
/// replaced by a `?` placeholder.
pub fn without_substitutions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        out.push('?');
        let after = &rest[i + 2..];
        // Skip to the matching `}` (substitutions may nest braces).
        let mut depth = 1usize;
        let mut end = after.len();
        for (j, ch) in after.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end.min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// The tokens of `sql` without whitespace and comments; `None` when it does
/// not tokenize (an unterminated string, say): then nothing is reported.
fn tokens(sql: &str) -> Option<Vec<Token>> {
    let toks = Tokenizer::new(&SQLiteDialect {}, sql).tokenize().ok()?;
    Some(
        toks.into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect(),
    )
}

/// Transaction-control keywords that lead a statement (`BEGIN`, `COMMIT`,
/// `END`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`), upper-cased, in order. The
/// `BEGIN … END` of a `CREATE TRIGGER` body and `CASE … END` are not
/// statements of their own.
pub fn transaction_statements(sql: &str) -> Vec<String> {
    // Tokenizing is the cost: a query with none of the words has none.
    let lower = sql.to_ascii_lowercase();
    let words = ["begin", "commit", "end", "rollback", "savepoint", "release"];
    if !words.iter().any(|w| lower.contains(w)) {
        return Vec::new();
    }
    let Some(toks) = tokens(sql) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at_start = true;
    // Inside a trigger body: the depth of CASE … END within it.
    let mut trigger: Option<usize> = None;
    let mut in_create_trigger = false;
    let mut first_of_statement: Option<Keyword> = None;
    for t in &toks {
        let kw = match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
            _ => None,
        };
        if let Some(case_depth) = trigger.as_mut() {
            match kw {
                Some(Keyword::CASE) => *case_depth += 1,
                Some(Keyword::END) if *case_depth > 0 => *case_depth -= 1,
                Some(Keyword::END) => {
                    trigger = None;
                    in_create_trigger = false;
                }
                _ => {}
            }
            continue;
        }
        if matches!(t, Token::SemiColon) {
            at_start = true;
            in_create_trigger = false;
            first_of_statement = None;
            continue;
        }
        if at_start {
            at_start = false;
            first_of_statement = kw;
            if let Some(
                k @ (Keyword::BEGIN
                | Keyword::COMMIT
                | Keyword::END
                | Keyword::ROLLBACK
                | Keyword::SAVEPOINT
                | Keyword::RELEASE),
            ) = kw
            {
                out.push(format!("{k:?}"));
            }
            continue;
        }
        if first_of_statement == Some(Keyword::CREATE) && kw == Some(Keyword::TRIGGER) {
            in_create_trigger = true;
        } else if in_create_trigger && kw == Some(Keyword::BEGIN) {
            trigger = Some(0);
        }
    }
    out
}

/// Names in `sql` that start with `_cf_` in any case, bare or quoted
/// (`"…"`, `` `…` ``, `[…]`); string literals and comments are not names.
pub fn reserved_names(sql: &str) -> Vec<String> {
    if !sql.to_ascii_lowercase().contains("_cf_") {
        return Vec::new();
    }
    let Some(toks) = tokens(sql) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for t in toks {
        if let Token::Word(w) = t {
            if w.value.len() >= 4
                && w.value.is_char_boundary(4)
                && w.value[..4].eq_ignore_ascii_case("_cf_")
                && !out.contains(&w.value)
            {
                out.push(w.value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_statements_lead_statements_only() {
        assert_eq!(transaction_statements("BEGIN TRANSACTION"), ["BEGIN"]);
        assert_eq!(
            transaction_statements("begin; INSERT INTO t VALUES (1); commit;"),
            ["BEGIN", "COMMIT"]
        );
        assert_eq!(
            transaction_statements("SAVEPOINT a; RELEASE a; ROLLBACK; END"),
            ["SAVEPOINT", "RELEASE", "ROLLBACK", "END"]
        );
        assert!(transaction_statements(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; DELETE FROM c; END; SELECT 1"
        )
        .is_empty());
        assert_eq!(
            transaction_statements("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END; BEGIN"),
            ["BEGIN"]
        );
        assert!(
            transaction_statements("SELECT 'BEGIN'; -- COMMIT\nSELECT 1 /* ROLLBACK */").is_empty()
        );
        assert!(transaction_statements("INSERT INTO log (begin) VALUES (1)").is_empty());
        assert!(transaction_statements("SELECT 'unterminated").is_empty());
    }

    #[test]
    fn reserved_names_bare_and_quoted_never_strings_or_comments() {
        assert_eq!(reserved_names("SELECT * FROM _cf_KV"), ["_cf_KV"]);
        assert_eq!(reserved_names("DROP TABLE \"_CF_meta\""), ["_CF_meta"]);
        assert_eq!(
            reserved_names("SELECT * FROM [_cf_x] JOIN `_cf_y`"),
            ["_cf_x", "_cf_y"]
        );
        assert!(reserved_names("SELECT '_cf_KV' -- _cf_KV\n/* _cf_ */").is_empty());
        assert!(reserved_names("SELECT cf_KV, x_cf_ FROM t").is_empty());
    }

    #[test]
    fn substitutions_become_placeholders() {
        assert_eq!(
            without_substitutions("SELECT * FROM t WHERE id IN (${ids.map(() => { return '?' }).join()}) AND a = ${a}"),
            "SELECT * FROM t WHERE id IN (?) AND a = ?"
        );
    }
}
