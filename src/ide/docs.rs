//! The documentation data behind hover (and, later, completion): the
//! Durable Object runtime API (`data/api.toml`) and the config keys
//! (`data/config.toml`), embedded in the binary and read once.

use std::sync::OnceLock;

#[derive(Clone, Debug, Default)]
pub struct ApiMember {
    pub owner: String,
    pub name: String,
    pub kind: String,
    /// The API type the property holds or the call gives (`WebSocket[]`
    /// for an array), when completion and hover follow it along a chain.
    pub returns: String,
    /// The workers-rs SDK's names for it (`set_alarm, set_alarm_with_options`).
    pub rust: String,
    pub signature: String,
    pub summary: String,
    pub details: String,
    pub limits: String,
    pub backend: String,
    pub pitfalls: String,
    pub url: String,
}

#[derive(Clone, Debug, Default)]
pub struct ConfigKey {
    pub name: String,
    pub parent: String,
    pub summary: String,
    pub details: String,
    pub url: String,
}

const API: &str = include_str!("../../data/api.toml");
const CONFIG: &str = include_str!("../../data/config.toml");

fn tables(text: &str, key: &str) -> Vec<Vec<(String, String)>> {
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return Vec::new();
    };
    let Some(arr) = doc.get(key).and_then(|i| i.as_array_of_tables()) else {
        return Vec::new();
    };
    arr.iter()
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.trim().to_string())))
                .collect()
        })
        .collect()
}

fn field(t: &[(String, String)], k: &str) -> String {
    t.iter()
        .find(|(x, _)| x == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub fn api() -> &'static [ApiMember] {
    static CELL: OnceLock<Vec<ApiMember>> = OnceLock::new();
    CELL.get_or_init(|| {
        tables(API, "member")
            .iter()
            .map(|t| ApiMember {
                owner: field(t, "owner"),
                name: field(t, "name"),
                kind: field(t, "kind"),
                returns: field(t, "returns"),
                rust: field(t, "rust"),
                signature: field(t, "signature"),
                summary: field(t, "summary"),
                details: field(t, "details"),
                limits: field(t, "limits"),
                backend: field(t, "backend"),
                pitfalls: field(t, "pitfalls"),
                url: field(t, "url"),
            })
            .collect()
    })
}

pub fn config_keys() -> &'static [ConfigKey] {
    static CELL: OnceLock<Vec<ConfigKey>> = OnceLock::new();
    CELL.get_or_init(|| {
        tables(CONFIG, "key")
            .iter()
            .map(|t| ConfigKey {
                name: field(t, "name"),
                parent: field(t, "parent"),
                summary: field(t, "summary"),
                details: field(t, "details"),
                url: field(t, "url"),
            })
            .collect()
    })
}

impl ApiMember {
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "```ts\n{}\n```\n**{}.{}**",
            self.signature, self.owner, self.name
        );
        match self.backend.as_str() {
            "sqlite" => s.push_str(" · SQLite-backed classes only"),
            "kv" => s.push_str(" · KV-backed classes only"),
            _ => {}
        }
        s.push_str(&format!("\n\n{}", self.summary));
        if !self.details.is_empty() {
            s.push_str(&format!("\n\n{}", self.details));
        }
        if !self.limits.is_empty() {
            s.push_str(&format!("\n\n**Limits:** {}", self.limits));
        }
        if !self.pitfalls.is_empty() {
            s.push_str(&format!("\n\n**Pitfalls**\n{}", self.pitfalls));
        }
        s.push_str(&format!("\n\n[Cloudflare docs]({})", self.url));
        s
    }
}

impl ConfigKey {
    pub fn markdown(&self) -> String {
        let mut s = format!("**`{}`**\n\n{}", self.name, self.summary);
        if !self.details.is_empty() {
            s.push_str(&format!("\n\n{}", self.details));
        }
        s.push_str(&format!("\n\n[Cloudflare docs]({})", self.url));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_loads_and_is_complete() {
        let api = api();
        assert!(api.len() >= 90, "{} members", api.len());
        for m in api {
            for (k, v) in [
                ("owner", &m.owner),
                ("name", &m.name),
                ("kind", &m.kind),
                ("signature", &m.signature),
                ("summary", &m.summary),
                ("backend", &m.backend),
            ] {
                assert!(!v.is_empty(), "{}.{}: no {k}", m.owner, m.name);
            }
            assert!(
                m.url.starts_with("https://developers.cloudflare.com/"),
                "{}.{}",
                m.owner,
                m.name
            );
        }
        let required = [
            ("DurableObjectState", "acceptWebSocket"),
            ("DurableObjectState", "getWebSockets"),
            ("DurableObjectState", "getTags"),
            ("DurableObjectState", "setWebSocketAutoResponse"),
            ("DurableObjectState", "setHibernatableWebSocketEventTimeout"),
            ("DurableObjectState", "blockConcurrencyWhile"),
            ("DurableObjectState", "waitUntil"),
            ("DurableObjectState", "abort"),
            ("DurableObjectState", "id"),
            ("DurableObjectStorage", "sql"),
            ("DurableObjectStorage", "kv"),
            ("DurableObjectStorage", "transaction"),
            ("DurableObjectStorage", "transactionSync"),
            ("DurableObjectStorage", "setAlarm"),
            ("DurableObjectStorage", "sync"),
            ("DurableObjectStorage", "getBookmarkForTime"),
            ("DurableObjectStorage", "deleteAll"),
            ("SqlStorage", "exec"),
            ("SqlStorageCursor", "toArray"),
            ("WebSocket", "serializeAttachment"),
            ("WebSocket", "deserializeAttachment"),
            ("DurableObjectNamespace", "idFromName"),
            ("DurableObjectNamespace", "idFromString"),
            ("DurableObjectNamespace", "newUniqueId"),
            ("DurableObjectNamespace", "get"),
            ("DurableObjectNamespace", "getByName"),
            ("DurableObjectNamespace", "jurisdiction"),
            ("DurableObjectNamespace", "locationHint"),
            ("AlarmInvocationInfo", "retryCount"),
            ("handler", "alarm"),
            ("handler", "webSocketMessage"),
            ("handler", "webSocketClose"),
            ("handler", "webSocketError"),
            ("handler", "fetch"),
        ];
        for (o, n) in required {
            assert!(
                api.iter().any(|m| m.owner == o && m.name == n),
                "{o}.{n} is missing"
            );
        }
        let attach = api
            .iter()
            .find(|m| m.name == "serializeAttachment")
            .unwrap();
        assert!(
            attach.markdown().contains("16"),
            "the attachment limit is 16 KiB"
        );
        assert!(config_keys().len() >= 15);
    }
}

/// The first paragraph of a `## <heading>` section of a rule page.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.find(&format!("## {heading}\n"))? + heading.len() + 4;
    let rest = doc[start..].trim_start_matches('\n');
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// Hover text for a finding: what the rule catches, why it matters, and the
/// real error it prevents, from its page in docs/rules.
pub fn rule_markdown(code: &str) -> Option<String> {
    let rule = crate::rules::rule(code)?;
    let mut s = format!("**{}** `{}` — {}", rule.code, rule.name, rule.summary);
    if let Some(why) = section(rule.doc, "Why it matters") {
        let para = why.split("\n\n").next().unwrap_or(why);
        s.push_str(&format!("\n\n**Why:** {}", para.replace('\n', " ")));
    }
    if let Some(err) = section(rule.doc, "The error it prevents") {
        // the first fenced block: the exact text
        if let Some(i) = err.find("```") {
            if let Some(j) = err[i + 3..].find("```") {
                s.push_str(&format!("\n\n**Prevents:**\n{}", &err[i..i + 3 + j + 3]));
            }
        }
    }
    Some(s)
}

#[cfg(test)]
mod rule_tests {
    #[test]
    fn rule_hover_has_why_and_the_real_error() {
        let md = super::rule_markdown("DO101").unwrap();
        assert!(md.contains("**Why:**"), "{md}");
        assert!(
            md.contains("Your Worker depends on the following Durable Objects"),
            "{md}"
        );
        for r in crate::rules::RULES {
            assert!(
                super::rule_markdown(r.code.as_str()).is_some_and(|m| m.contains("**Why:**")),
                "{}",
                r.code
            );
        }
    }
}
