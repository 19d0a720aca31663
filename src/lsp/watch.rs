//! Watching the workspace when the client cannot (Neovim 0.11 on Linux
//! turns file watching off; Helix has none): a `git checkout` or an edit in
//! another program must still reach the analysis.
//!
//! Each folder of the roots is watched on its own (not recursively), so
//! `node_modules`, `.git`, `.wrangler` and gitignored folders cost no
//! watches. Events become changes exactly as `didChangeWatchedFiles` would
//! make them: a changed source re-reads that file; a created or deleted
//! file, a renamed one or a new folder asks for a full analysis.

use super::scheduler::Scheduler;
use super::session::{is_config_path, lock, State};
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Folders watched at most; past it the server says so and watches no more.
const MAX_FOLDERS: usize = 20_000;

fn skipped(p: &Path) -> bool {
    p.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some("node_modules" | ".git" | ".wrangler")
        )
    })
}

fn relevant(p: &Path) -> bool {
    !skipped(p) && (crate::syntax::Lang::from_path(p).is_some() || is_config_path(p))
}

/// The folders to watch below `root`: not ignored by git, not skipped.
fn folders(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walk = crate::project::fs::walk(root)
        .filter_entry(|e| !skipped(Path::new(e.file_name())))
        .build();
    for e in walk.flatten() {
        if e.file_type().is_some_and(|t| t.is_dir()) {
            out.push(e.into_path());
            if out.len() >= MAX_FOLDERS {
                crate::log!(
                    Warn,
                    "watching the first {MAX_FOLDERS} folders only; changes further down are seen on the next full analysis"
                );
                break;
            }
        }
    }
    out
}

/// A running watch; dropping it stops it.
pub struct WorkspaceWatcher {
    _watcher: Arc<Mutex<RecommendedWatcher>>,
}

/// Starts watching `roots`; changes go to the state and wake the scheduler.
pub fn start(
    roots: &[PathBuf],
    state: Arc<Mutex<State>>,
    sched: Arc<Scheduler>,
) -> Option<WorkspaceWatcher> {
    // New folders are watched from another thread: the watcher cannot be
    // called from inside its own event handler.
    let (new_dirs, rx) = std::sync::mpsc::channel::<PathBuf>();
    let (rescan_state, rescan_sched) = (state.clone(), sched.clone());
    let handler = move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        let mut woke = false;
        {
            let mut st = lock(&state);
            for p in &ev.paths {
                if skipped(p) {
                    continue;
                }
                match ev.kind {
                    EventKind::Create(_) if p.is_dir() => {
                        let _ = new_dirs.send(p.clone());
                        st.note_change(None);
                        woke = true;
                    }
                    EventKind::Create(_)
                    | EventKind::Remove(_)
                    | EventKind::Modify(ModifyKind::Name(_))
                        if relevant(p) || ev.kind.is_remove() =>
                    {
                        st.note_change(None);
                        woke = true;
                    }
                    EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any)
                        if relevant(p) && !st.docs.contains_key(p) =>
                    {
                        st.note_change(Some(p.clone()));
                        woke = true;
                    }
                    _ => {}
                }
            }
        }
        if woke {
            sched.wake();
        }
    };
    let mut w = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            crate::log!(Warn, "cannot watch the workspace: {e}");
            return None;
        }
    };
    let mut n = 0;
    for root in roots {
        for dir in folders(root) {
            if w.watch(&dir, RecursiveMode::NonRecursive).is_ok() {
                n += 1;
            }
        }
    }
    crate::log!(Info, "watching {n} folders of the workspace");
    let watcher = Arc::new(Mutex::new(w));
    let weak = Arc::downgrade(&watcher);
    std::thread::spawn(move || {
        // Ends when the watcher (and with it the handler's sender) is gone.
        while let Ok(dir) = rx.recv() {
            let Some(w) = weak.upgrade() else { return };
            {
                let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
                // The folder first, then what it holds: a subfolder created
                // after this watch raises an event of its own, one created
                // before it is in the listing (`create_dir_all` makes both
                // within microseconds).
                let _ = w.watch(&dir, RecursiveMode::NonRecursive);
                for d in folders(&dir) {
                    let _ = w.watch(&d, RecursiveMode::NonRecursive);
                }
            }
            // Files created in the new folder before its watch was in place
            // raised no event: the workspace is walked again now that it is.
            lock(&rescan_state).note_change(None);
            rescan_sched.wake();
        }
    });
    Some(WorkspaceWatcher { _watcher: watcher })
}
