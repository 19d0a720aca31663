//! Edits to a config in its own syntax, keeping its comments, order and
//! formatting: a new migration, a new `exports` entry, a copied
//! `durable_objects` block. Each is one insertion into the text as written,
//! placed and indented after what is already there.

use super::model::{Config, Format};
use super::tree::{parse_jsonc, Node};
use crate::text::Span;

/// Replace `span` of the config's text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub text: String,
}

fn insert(at: usize, text: String) -> TextEdit {
    TextEdit {
        span: Span::new(at, at),
        text,
    }
}

/// The whitespace that starts the line holding `at`.
fn indent_at(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// The unit of indentation the file uses (two spaces when it shows none).
fn indent_unit(text: &str) -> String {
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .filter(|w| !w.is_empty())
        .min_by_key(|w| w.len())
        .unwrap_or("  ")
        .to_string()
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn toml_str(s: &str) -> String {
    json_str(s)
}

/// The object holding a variant's keys in a JSON config: the root, or
/// `env.<name>`.
fn json_section<'n>(root: &'n Node, env: Option<&str>) -> Option<&'n Node> {
    match env {
        None => Some(root),
        Some(e) => root.get("env")?.get(e),
    }
}

/// After the last property of `obj` (or inside an empty one): `key: value`.
fn json_add_prop(text: &str, obj: &Node, key: &str, value: &str) -> Option<TextEdit> {
    let props = obj.props();
    match props.last() {
        Some(last) => {
            let indent = indent_at(text, last.key_span.start);
            let end = last.value.span.end;
            let (at, trailing) = match comma_after(text, end) {
                Some(c) => (c + 1, ","),
                None => (end, ""),
            };
            let lead = if trailing.is_empty() { "," } else { "" };
            Some(insert(
                at,
                format!("{lead}\n{indent}{}: {value}{trailing}", json_str(key)),
            ))
        }
        None => {
            let open = obj.span.start;
            (text.as_bytes().get(open) == Some(&b'{')).then(|| {
                let outer = indent_at(text, open);
                let unit = indent_unit(text);
                insert(
                    open + 1,
                    format!("\n{outer}{unit}{}: {value}\n{outer}", json_str(key)),
                )
            })
        }
    }
}

/// After the last item of `arr` (or inside an empty one): `item`.
fn json_add_item(text: &str, arr: &Node, item: &str) -> Option<TextEdit> {
    match arr.items().last() {
        Some(last) => {
            let indent = indent_at(text, last.span.start);
            let end = last.span.end;
            let same_line = !text[arr.span.start..last.span.start].contains('\n');
            let sep = if same_line {
                " ".to_string()
            } else {
                format!("\n{indent}")
            };
            Some(match comma_after(text, end) {
                Some(c) => insert(c + 1, format!("{sep}{item},")),
                None => insert(end, format!(",{sep}{item}")),
            })
        }
        None => {
            let open = arr.span.start;
            (text.as_bytes().get(open) == Some(&b'[')).then(|| {
                let outer = indent_at(text, open);
                let unit = indent_unit(text);
                insert(open + 1, format!("\n{outer}{unit}{item}\n{outer}"))
            })
        }
    }
}

/// The position of a `,` that follows `end` past whitespace and comments.
fn comma_after(text: &str, end: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = end;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
            }
            b',' => return Some(i),
            _ => return None,
        }
    }
    None
}

/// The end of the TOML table whose header starts at `header`: the end of
/// its last non-blank line before the next header (or the end of text).
fn toml_table_end(text: &str, header: usize) -> usize {
    let after_header = text[header..]
        .find('\n')
        .map_or(text.len(), |i| header + i + 1);
    let mut end = text.len();
    let mut pos = after_header;
    for line in text[after_header..].split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            end = pos;
            break;
        }
        pos += line.len();
    }
    let body = &text[..end];
    let trimmed = body.trim_end();
    trimmed.len().max(header)
}

/// Appends a TOML block at the end of the text, one blank line after it.
fn toml_append(text: &str, block: &str) -> TextEdit {
    let body_end = text.trim_end().len();
    let block = block.trim_end();
    if body_end == 0 {
        return insert(0, format!("{block}\n"));
    }
    if body_end == text.len() {
        return insert(body_end, format!("\n\n{block}\n"));
    }
    insert(body_end, format!("\n\n{block}"))
}

/// A migration with `tag` that creates `classes` with SQLite storage, after
/// the variant's last migration (in the section whose array the variant
/// uses), or a first `migrations` array.
pub fn add_migration(
    cfg: &Config,
    text: &str,
    env: Option<&str>,
    tag: &str,
    classes: &[&str],
) -> Option<TextEdit> {
    let body = match cfg.format {
        Format::Toml => format!(
            "new_sqlite_classes = [{}]",
            classes
                .iter()
                .map(|c| toml_str(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "\"new_sqlite_classes\": [{}]",
            classes
                .iter()
                .map(|c| json_str(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    add_step_in(cfg, text, env, tag, &body)
}

/// A migration step with `tag` and `body` (the step's keys after `tag`, in
/// the config's syntax, on one line: `renamed_classes = [...]`) after the
/// top level's last migration.
pub fn add_step(cfg: &Config, text: &str, tag: &str, body: &str) -> Option<TextEdit> {
    add_step_in(cfg, text, None, tag, body)
}

fn add_step_in(
    cfg: &Config,
    text: &str,
    env: Option<&str>,
    tag: &str,
    body: &str,
) -> Option<TextEdit> {
    // An env without its own array inherits the top level's.
    let section = env.filter(|e| {
        cfg.envs
            .iter()
            .any(|s| s.env.as_ref().is_some_and(|n| n.value == *e) && s.migrations.is_some())
    });
    let listed = match section {
        Some(e) => cfg
            .envs
            .iter()
            .find(|s| s.env.as_ref().is_some_and(|n| n.value == e))?
            .migrations
            .as_ref(),
        None => cfg.top.migrations.as_ref(),
    };
    match cfg.format {
        Format::Toml => {
            let path = match section {
                Some(e) => format!("env.{e}.migrations"),
                None => "migrations".into(),
            };
            let table = format!("[[{path}]]\ntag = {}\n{body}", toml_str(tag));
            match listed.and_then(|l| l.items.last()) {
                Some(last) if text[last.span.start..].starts_with('{') => Some(insert(
                    last.span.end,
                    format!(", {{ tag = {}, {body} }}", toml_str(tag)),
                )),
                Some(last) => {
                    let end = toml_table_end(text, last.span.start);
                    Some(insert(end, format!("\n\n{table}")))
                }
                None if listed.is_some() => None,
                None => Some(toml_append(text, &table)),
            }
        }
        Format::Json | Format::Jsonc => {
            let root = parse_jsonc(text).ok()?;
            let obj = json_section(&root, section)?;
            let item = format!("{{ \"tag\": {}, {body} }}", json_str(tag));
            match obj.get("migrations") {
                Some(arr) => json_add_item(text, arr, &item),
                None => {
                    let indent = obj
                        .props()
                        .last()
                        .map(|p| indent_at(text, p.key_span.start).to_string())
                        .unwrap_or_else(|| indent_unit(text));
                    let unit = indent_unit(text);
                    json_add_prop(
                        text,
                        obj,
                        "migrations",
                        &format!("[\n{indent}{unit}{item}\n{indent}]"),
                    )
                }
            }
        }
    }
}

/// An `exports` entry that creates `class` with SQLite storage.
pub fn add_export(cfg: &Config, text: &str, env: Option<&str>, class: &str) -> Option<TextEdit> {
    let section = env.filter(|e| {
        cfg.envs
            .iter()
            .any(|s| s.env.as_ref().is_some_and(|n| n.value == *e) && s.exports.is_some())
    });
    match cfg.format {
        Format::Toml => {
            let path = match section {
                Some(e) => format!("env.{e}.exports"),
                None => "exports".into(),
            };
            let key = if class
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                class.to_string()
            } else {
                toml_str(class)
            };
            Some(toml_append(
                text,
                &format!("[{path}.{key}]\ntype = \"durable-object\"\nstorage = \"sqlite\"\n"),
            ))
        }
        Format::Json | Format::Jsonc => {
            let root = parse_jsonc(text).ok()?;
            let obj = json_section(&root, section)?;
            let entry = "{ \"type\": \"durable-object\", \"storage\": \"sqlite\" }";
            match obj.get("exports") {
                Some(exports) => json_add_prop(text, exports, class, entry),
                None => {
                    let indent = obj
                        .props()
                        .last()
                        .map(|p| indent_at(text, p.key_span.start).to_string())
                        .unwrap_or_else(|| indent_unit(text));
                    let unit = indent_unit(text);
                    json_add_prop(
                        text,
                        obj,
                        "exports",
                        &format!("{{\n{indent}{unit}{}: {entry}\n{indent}}}", json_str(class)),
                    )
                }
            }
        }
    }
}

/// A copy of the top level's `durable_objects` bindings into `[env.<env>]`
/// (an environment does not inherit them).
pub fn copy_durable_objects(cfg: &Config, text: &str, env: &str) -> Option<TextEdit> {
    let bindings = cfg.top.durable_objects.as_ref()?;
    if bindings.items.is_empty() {
        return None;
    }
    let section = cfg
        .envs
        .iter()
        .find(|s| s.env.as_ref().is_some_and(|n| n.value == env))?;
    match cfg.format {
        Format::Toml => {
            let mut block = String::new();
            for b in &bindings.items {
                block.push_str(&format!("[[env.{env}.durable_objects.bindings]]\n"));
                if let Some(n) = &b.name {
                    block.push_str(&format!("name = {}\n", toml_str(&n.value)));
                }
                if let Some(c) = &b.class_name {
                    block.push_str(&format!("class_name = {}\n", toml_str(&c.value)));
                }
                if let Some(s) = &b.script_name {
                    block.push_str(&format!("script_name = {}\n", toml_str(&s.value)));
                }
                block.push('\n');
            }
            let block = block.trim_end();
            // After the env's own table when it has one, else at the end.
            let header = section.env.as_ref().map(|n| n.span.start);
            let at = header
                .and_then(|h| {
                    let line_start = text[..h].rfind('\n').map_or(0, |i| i + 1);
                    text[line_start..]
                        .trim_start()
                        .starts_with(&format!("[env.{env}]"))
                        .then_some(line_start)
                })
                .map(|start| toml_table_end(text, start));
            Some(match at {
                Some(at) => insert(at, format!("\n\n{block}")),
                None => toml_append(text, &format!("{block}\n")),
            })
        }
        Format::Json | Format::Jsonc => {
            let root = parse_jsonc(text).ok()?;
            let top = root.get("durable_objects")?;
            let obj = json_section(&root, Some(env))?;
            let value = text.get(top.span.start..top.span.end)?;
            // Re-indent the copied block to its new depth.
            let from = indent_at(text, root.prop("durable_objects")?.key_span.start).to_string();
            let to = obj
                .props()
                .last()
                .map(|p| indent_at(text, p.key_span.start).to_string())
                .unwrap_or_else(|| format!("{from}{}", indent_unit(text)));
            let value = value
                .lines()
                .enumerate()
                .map(|(i, l)| match (i, l.strip_prefix(from.as_str())) {
                    (0, _) => l.to_string(),
                    (_, Some(rest)) => format!("{to}{rest}"),
                    _ => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n");
            json_add_prop(text, obj, "durable_objects", &value)
        }
    }
}

/// The top level's bindings `names` added to `[env.<env>]`'s own
/// `durable_objects` bindings, after its last one.
pub fn add_env_bindings(cfg: &Config, text: &str, env: &str, names: &[&str]) -> Option<TextEdit> {
    let top = cfg.top.durable_objects.as_ref()?;
    let wanted: Vec<&super::model::DoBinding> = names
        .iter()
        .filter_map(|n| {
            top.items
                .iter()
                .find(|b| b.name.as_ref().is_some_and(|x| x.value == *n))
        })
        .collect();
    if wanted.is_empty() {
        return None;
    }
    let section = cfg
        .envs
        .iter()
        .find(|s| s.env.as_ref().is_some_and(|n| n.value == env))?;
    let last = section.durable_objects.as_ref()?.items.last();
    let fields = |b: &super::model::DoBinding, eq: &str, q: fn(&str) -> String| {
        let mut f = Vec::new();
        if let Some(n) = &b.name {
            f.push(format!("{}{eq}{}", q("name"), json_str(&n.value)));
        }
        if let Some(c) = &b.class_name {
            f.push(format!("{}{eq}{}", q("class_name"), json_str(&c.value)));
        }
        if let Some(s) = &b.script_name {
            f.push(format!("{}{eq}{}", q("script_name"), json_str(&s.value)));
        }
        f
    };
    match cfg.format {
        Format::Toml => {
            let last = last?;
            if text[last.span.start..].starts_with('{') {
                let items: Vec<String> = wanted
                    .iter()
                    .map(|b| format!("{{ {} }}", fields(b, " = ", |k| k.to_string()).join(", ")))
                    .collect();
                return Some(insert(last.span.end, format!(", {}", items.join(", "))));
            }
            let block: Vec<String> = wanted
                .iter()
                .map(|b| {
                    format!(
                        "[[env.{env}.durable_objects.bindings]]\n{}",
                        fields(b, " = ", |k| k.to_string()).join("\n")
                    )
                })
                .collect();
            let end = toml_table_end(text, last.span.start);
            Some(insert(end, format!("\n\n{}", block.join("\n\n"))))
        }
        Format::Json | Format::Jsonc => {
            let root = parse_jsonc(text).ok()?;
            let arr = json_section(&root, Some(env))?
                .get("durable_objects")?
                .get("bindings")?;
            let items: Vec<String> = wanted
                .iter()
                .map(|b| format!("{{ {} }}", fields(b, ": ", json_str).join(", ")))
                .collect();
            json_add_item(text, arr, &items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn edited(name: &str, text: &str, f: impl Fn(&Config) -> Option<TextEdit>) -> String {
        let cfg = Config::parse(PathBuf::from(name), text);
        let e = f(&cfg).expect("an edit");
        let mut out = text.to_string();
        out.replace_range(e.span.start..e.span.end, &e.text);
        let again = Config::parse(PathBuf::from(name), &out);
        assert!(again.syntax_error.is_none(), "{out}");
        out
    }

    #[test]
    fn a_migration_after_the_last_toml_table() {
        let t = "name = \"w\"\n\n# history\n[[migrations]]\ntag = \"v1\" # first\nnew_sqlite_classes = [\"A\"]\n\n[env.staging]\nname = \"s\"\n";
        let out = edited("wrangler.toml", t, |c| {
            add_migration(c, t, None, "v2", &["B"])
        });
        assert_eq!(
            out,
            "name = \"w\"\n\n# history\n[[migrations]]\ntag = \"v1\" # first\nnew_sqlite_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"B\"]\n\n[env.staging]\nname = \"s\"\n"
        );
    }

    #[test]
    fn a_first_toml_migration_and_an_inline_one() {
        let t = "name = \"w\"\nmain = \"src/index.ts\"\n";
        let out = edited("wrangler.toml", t, |c| {
            add_migration(c, t, None, "v1", &["A"])
        });
        assert_eq!(out, "name = \"w\"\nmain = \"src/index.ts\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n");
        let t = "migrations = [{ tag = \"v1\", new_classes = [\"A\"] }]\n";
        let out = edited("wrangler.toml", t, |c| {
            add_migration(c, t, None, "v2", &["B"])
        });
        assert_eq!(out, "migrations = [{ tag = \"v1\", new_classes = [\"A\"] }, { tag = \"v2\", new_sqlite_classes = [\"B\"] }]\n");
    }

    #[test]
    fn a_jsonc_migration_keeps_comments_and_trailing_commas() {
        let t = "{\n  // the app\n  \"name\": \"w\",\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }, // first\n  ],\n}\n";
        let out = edited("wrangler.jsonc", t, |c| {
            add_migration(c, t, None, "v2", &["B"])
        });
        assert_eq!(out, "{\n  // the app\n  \"name\": \"w\",\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] },\n    { \"tag\": \"v2\", \"new_sqlite_classes\": [\"B\"] }, // first\n  ],\n}\n");
        let t = "{\n  \"name\": \"w\"\n}\n";
        let out = edited("wrangler.json", t, |c| {
            add_migration(c, t, None, "v1", &["A"])
        });
        assert_eq!(out, "{\n  \"name\": \"w\",\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n  ]\n}\n");
    }

    #[test]
    fn exports_entries_in_both_syntaxes() {
        let t = "name = \"w\"\n";
        let out = edited("wrangler.toml", t, |c| add_export(c, t, None, "Room"));
        assert_eq!(
            out,
            "name = \"w\"\n\n[exports.Room]\ntype = \"durable-object\"\nstorage = \"sqlite\"\n"
        );
        let t = "{\n\t\"name\": \"w\",\n\t\"exports\": {\n\t\t\"A\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n\t}\n}";
        let out = edited("wrangler.jsonc", t, |c| add_export(c, t, None, "Room"));
        assert_eq!(out, "{\n\t\"name\": \"w\",\n\t\"exports\": {\n\t\t\"A\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" },\n\t\t\"Room\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n\t}\n}");
    }

    #[test]
    fn an_environment_gets_the_top_levels_bindings() {
        let t = "name = \"w\"\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n\n[env.staging]\nname = \"s\"\n\n[env.prod]\nname = \"p\"\n";
        let out = edited("wrangler.toml", t, |c| {
            copy_durable_objects(c, t, "staging")
        });
        assert_eq!(out, "name = \"w\"\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n\n[env.staging]\nname = \"s\"\n\n[[env.staging.durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n\n[env.prod]\nname = \"p\"\n");
        let t = "{\n  \"durable_objects\": {\n    \"bindings\": [{ \"name\": \"ROOMS\", \"class_name\": \"Room\" }]\n  },\n  \"env\": {\n    \"staging\": {\n      \"name\": \"s\"\n    }\n  }\n}\n";
        let out = edited("wrangler.jsonc", t, |c| {
            copy_durable_objects(c, t, "staging")
        });
        assert_eq!(out, "{\n  \"durable_objects\": {\n    \"bindings\": [{ \"name\": \"ROOMS\", \"class_name\": \"Room\" }]\n  },\n  \"env\": {\n    \"staging\": {\n      \"name\": \"s\",\n      \"durable_objects\": {\n        \"bindings\": [{ \"name\": \"ROOMS\", \"class_name\": \"Room\" }]\n      }\n    }\n  }\n}\n");
    }
}
