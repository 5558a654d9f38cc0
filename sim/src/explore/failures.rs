//! Where failure traces are written: `<dir>/<name>-<seed>.json`, with `<dir>` from
//! [`failures_dir`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use weft_traces::Trace;

/// The directory failure traces are written to:
///
/// 1. `$CARGO_TARGET_DIR/weft/failures` when `CARGO_TARGET_DIR` is set;
/// 2. else `<target>/weft/failures`, where `<target>` is cargo's target directory holding the
///    running executable (a test binary, or `weft` run with `cargo run`): the nearest directory
///    above the executable that holds cargo's `CACHEDIR.TAG`;
/// 3. else (an installed binary, outside any cargo build) `weft/failures` in the system's
///    temporary directory ([`std::env::temp_dir`], `$TMPDIR` on Unix).
///
/// It never depends on the working directory.
///
/// ```
/// let dir = weft_sim::explore::failures_dir();
/// assert!(dir.ends_with("weft/failures"));
/// ```
pub fn failures_dir() -> PathBuf {
    let exe = std::env::current_exe().ok();
    failures_dir_for(std::env::var_os("CARGO_TARGET_DIR"), exe.as_deref(), &std::env::temp_dir())
}

/// [`failures_dir`] for the given `CARGO_TARGET_DIR`, executable path and temporary directory.
fn failures_dir_for(target_var: Option<OsString>, exe: Option<&Path>, temp: &Path) -> PathBuf {
    let target = target_var
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| exe?.ancestors().skip(1).find(|dir| dir.join("CACHEDIR.TAG").is_file()).map(Path::to_path_buf));
    target.unwrap_or_else(|| temp.to_path_buf()).join("weft").join("failures")
}

/// Writes `trace` as JSON to `<failures_dir>/<name>-<seed>.json`.
pub(super) fn write_trace(trace: &Trace, name: &str, seed: u64) -> Result<PathBuf, String> {
    let dir = failures_dir();
    let file: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    let path = dir.join(format!("{file}-{seed}.json"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, trace.to_json()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch tree in the temporary directory: `<root>/target/CACHEDIR.TAG`,
    /// `<root>/target/debug/deps/t-1` (the executable) and `<root>/elsewhere/bin/weft`.
    fn tree(test: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("weft-failures-dir-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("target/debug/deps")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere/bin")).unwrap();
        std::fs::write(root.join("target/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55").unwrap();
        root
    }

    #[test]
    fn the_target_dir_is_found_from_the_executable() {
        let root = tree("exe");
        let exe = root.join("target/debug/deps/t-1");
        let dir = failures_dir_for(None, Some(&exe), Path::new("/tmp-x"));
        assert_eq!(dir, root.join("target/weft/failures"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn cargo_target_dir_wins_and_outside_cargo_it_is_the_temp_dir() {
        let root = tree("var");
        let exe = root.join("target/debug/deps/t-1");
        let dir = failures_dir_for(Some("/ct".into()), Some(&exe), Path::new("/tmp-x"));
        assert_eq!(dir, PathBuf::from("/ct/weft/failures"));
        // An empty variable counts as unset.
        let dir = failures_dir_for(Some("".into()), Some(&exe), Path::new("/tmp-x"));
        assert_eq!(dir, root.join("target/weft/failures"));
        // An installed binary: no CACHEDIR.TAG above it.
        let installed = root.join("elsewhere/bin/weft");
        assert_eq!(
            failures_dir_for(None, Some(&installed), Path::new("/tmp-x")),
            PathBuf::from("/tmp-x/weft/failures")
        );
        assert_eq!(failures_dir_for(None, None, Path::new("/tmp-x")), PathBuf::from("/tmp-x/weft/failures"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
