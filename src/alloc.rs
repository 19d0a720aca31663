//! The allocator: mimalloc, for Rust's allocations (the binary sets it as
//! the global allocator) and for tree-sitter's ([`install`]).
//!
//! Parsing allocates and frees millions of small nodes; with glibc's
//! allocator `--check` of the 2,000-file Durable-Object-dense workspace took
//! 1.07 s, with mimalloc 0.84 s (peak memory 57 → 55 MB). mimalloc is built
//! without transparent huge pages (`no_thp`): with them, a touched byte made
//! 2 MB resident (68 MB peak, and a server 12 MB larger at rest). The
//! server also purges freed memory at once: a 20 MB document opened and
//! closed five times leaves it where it started (13 MB before and after, 58
//! MB at the peak).

/// `mi_option_purge_delay` in mimalloc 2 and 3 (mimalloc.h), which
/// libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Routes tree-sitter's allocations to mimalloc. Called once, first thing
/// in `main`, before any parser or tree exists (a tree must be freed by the
/// allocator that made it). Without it (the library's tests) tree-sitter
/// keeps the C allocator.
pub fn install() {
    // SAFETY: no tree-sitter object exists yet (the caller's contract), and
    // mimalloc's functions have the C allocator's signatures and contracts.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
}

/// A long-running server gives freed memory back at once, not after
/// mimalloc's delay (with it five opens and closes of a 20 MB document
/// peaked at 150 MB instead of 58 MB).
pub fn for_server() {
    // SAFETY: an option is a plain integer read by mimalloc.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

/// Gives memory freed since the last call back to the system now (after a
/// large document is closed), not after mimalloc's delay.
pub fn release() {
    let t = std::time::Instant::now();
    // SAFETY: mi_collect only walks mimalloc's own free lists.
    unsafe { libmimalloc_sys::mi_collect(true) };
    crate::log!(
        Debug,
        "released free memory in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
