//! The rule framework: the family table and the runner that applies it to
//! one Worker.
//!
//! A family is a function and the codes it can emit. The runner computes
//! each variant's facts once (lifecycle, class index, entry format), skips
//! families whose codes are all off, tags findings with their environment
//! and collects unknowns into the Worker's one DO100. Severities change only
//! here, from the settings.

use super::context::{VariantCx, WorkerCx};
use super::diagnostic::Diagnostic;
use super::registry::Code;
use super::registry::Needs;
use super::{bindings, classes, entry, history, lifecycle, model, namespaces, toolchain, worker};
use crate::config::classes::ClassIndex;
use crate::config::model::DoBinding;
use crate::config::Lifecycle;
use crate::project::fs::FileSystem;
use crate::project::{Entry, Workspace};
use crate::settings::Settings;

/// What a family runs on.
#[derive(Clone, Copy)]
pub enum Run {
    /// Once per Worker, after its variants.
    Worker(fn(&mut WorkerCx)),
    /// Once per checked variant (the top level and each `[env.X]`).
    Variant(fn(&mut WorkerCx, &VariantCx)),
}

/// A group of rules that share their facts.
#[derive(Clone, Copy)]
pub struct Family {
    pub name: &'static str,
    /// Every code the family may emit.
    pub codes: &'static [Code],
    pub run: Run,
}

use Code::*;

/// Every family, in the order they run.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "config shape",
        codes: &[DO116, DO121],
        run: Run::Worker(worker::shape),
    },
    Family {
        name: "entry",
        codes: &[DO115],
        run: Run::Variant(entry::entry_found),
    },
    Family {
        name: "lifecycle replay",
        codes: &[DO104, DO105, DO106, DO107, DO114],
        run: Run::Variant(lifecycle::replay),
    },
    Family {
        name: "deploy history",
        codes: &[DO130, DO131, DO132, DO133],
        run: Run::Variant(history::against_base),
    },
    Family {
        name: "binding names",
        codes: &[DO112, DO113],
        run: Run::Variant(bindings::names),
    },
    Family {
        name: "module format",
        codes: &[DO120],
        run: Run::Variant(entry::service_worker),
    },
    Family {
        name: "bound classes",
        codes: &[DO102, DO108, DO109],
        run: Run::Variant(lifecycle::bound_classes),
    },
    Family {
        name: "class exports",
        codes: &[DO101, DO103, DO117],
        run: Run::Variant(entry::exports),
    },
    Family {
        name: "rpc",
        codes: &[DO118],
        run: Run::Variant(bindings::rpc_off),
    },
    Family {
        name: "cross-worker",
        codes: &[DO119],
        run: Run::Variant(bindings::cross_worker),
    },
    Family {
        name: "rpc methods",
        codes: &[DO122, DO603],
        run: Run::Variant(|cx, vc| namespaces::rpc_methods(cx, vc, &vc.model)),
    },
    Family {
        name: "class bodies",
        codes: classes::CODES,
        run: Run::Variant(|cx, vc| classes::check(cx, vc, &vc.model)),
    },
    Family {
        name: "toolchain",
        codes: &[DO601, DO602],
        run: Run::Variant(toolchain::versions),
    },
    Family {
        name: "namespace literals",
        codes: &[DO501, DO502, DO503, DO504],
        run: Run::Worker(namespaces::literals),
    },
    Family {
        name: "binding uses",
        codes: &[DO110],
        run: Run::Worker(bindings::unknown_uses),
    },
    Family {
        name: "unused bindings",
        codes: &[DO111],
        run: Run::Worker(bindings::unused),
    },
];

/// Whether some code of the family is on.
fn enabled(settings: &Settings, f: &Family) -> bool {
    f.codes
        .iter()
        .any(|c| settings.severity(*c, c.rule().severity).is_some())
}

/// What one Worker's run yields: its findings (before settings apply), its
/// count of unknowns, and the class model of each variant it checked.
pub struct Ran {
    pub diagnostics: Vec<Diagnostic>,
    pub unknowns: usize,
    pub models: Vec<model::ClassModel>,
}

/// Runs every family over Worker `index`.
pub fn run(
    ws: &Workspace,
    fs: &dyn FileSystem,
    index: usize,
    settings: &Settings,
    class_runs: Option<&super::context::ClassRuns>,
) -> Ran {
    let worker = &ws.workers[index];
    let mut cx = WorkerCx::new(ws, fs, worker, settings);
    cx.class_runs = class_runs;
    let cfg = &worker.config;
    if cfg.syntax_error.is_some() {
        // Nothing else can be read from a config that does not parse.
        worker::syntax_error(&mut cx);
        return Ran {
            diagnostics: cx.out,
            unknowns: 0,
            models: Vec::new(),
        };
    }
    let families: Vec<&Family> = FAMILIES.iter().filter(|f| enabled(settings, f)).collect();
    // The class model is built only when an enabled rule reads it.
    let needs_classes = families.iter().any(|f| {
        f.codes.iter().any(|c| {
            c.rule().needs.contains(&Needs::Classes)
                && settings.severity(*c, c.rule().severity).is_some()
        })
    });
    let mut source_classes: Option<Vec<model::SourceClass>> = None;
    let mut models = Vec::new();
    for (vi, v) in cfg.variants().iter().enumerate() {
        if !settings.checks_env(v.env_name()) {
            continue;
        }
        let lc = Lifecycle::of(v);
        let entry = &worker.entries[vi];
        let local: Vec<&DoBinding> = v.durable_objects().iter().filter(|b| !b.external).collect();
        let mut vcx = VariantCx {
            v: *v,
            entry,
            classes: ClassIndex::new(v, &lc),
            has_do: !local.is_empty() || lc.declared,
            local,
            service_worker: match entry {
                Entry::File(p) => entry::is_service_worker(ws, p).unwrap_or(false),
                _ => false,
            },
            lc: &lc,
            model: model::ClassModel::default(),
        };
        if needs_classes {
            let source = source_classes
                .get_or_insert_with(|| model::source_classes(cx.ws, &cx.res, &cx.worker.graph));
            let input = model::VariantInput {
                dir: cx.dir(),
                entry: vcx.entry,
                classes: &vcx.classes,
                env: vcx.v.env_name(),
            };
            vcx.model = model::build(cx.ws, &cx.res, &input, source);
            MODELS_BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let before = cx.out.len();
        for f in &families {
            if let Run::Variant(run) = f.run {
                run(&mut cx, &vcx);
            }
        }
        if let Some(env) = v.env_name() {
            for d in &mut cx.out[before..] {
                d.envs.push(env.to_string());
            }
        }
        if needs_classes {
            models.push(vcx.model);
        }
    }
    for f in &families {
        if let Run::Worker(run) = f.run {
            run(&mut cx);
        }
    }
    // Files whose queries were cut: their facts are partial.
    for p in &worker.graph {
        if let Some(why) = ws.file(p).and_then(|f| f.facts.cut.as_ref()) {
            cx.unknown(format!(
                "{} was not fully analysed: {why}",
                super::context::rel(worker.dir(), p)
            ));
        }
    }
    let unknowns = cx.unknown.len();
    worker::unverified(&mut cx);
    Ran {
        diagnostics: cx.out,
        unknowns,
        models,
    }
}

/// How many class models were built since the process started (one per
/// checked variant of a Worker whose rules need them): tests count it.
pub static MODELS_BUILT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The one place severities change after a rule: a level the user set
/// replaces the rule's, and `off` drops the finding.
pub fn apply_levels(diags: Vec<Diagnostic>, settings: &Settings) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            d.severity = settings.severity(d.code, d.severity)?;
            Some(d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_has_one_family_or_the_framework() {
        let mut seen = BTreeSet::new();
        for f in FAMILIES {
            for c in f.codes {
                assert!(seen.insert(*c), "{c} is in two families");
            }
        }
        // Emitted by the framework itself: the DO100 summary, suppressions.
        for c in [DO001, DO002, DO100] {
            assert!(seen.insert(c), "{c} belongs to the framework");
        }
        let all: BTreeSet<Code> = Code::ALL.iter().copied().collect();
        assert_eq!(seen, all, "every rule runs through the framework");
    }
}
