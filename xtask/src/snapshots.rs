//! `cargo xtask snapshots [--accept|--reject] [--no-run]`: reviews insta snapshots without
//! cargo-insta.
//!
//! Runs the tests of every crate that has a `snapshots/` folder with `INSTA_UPDATE=new`
//! (every snapshot that differs is written next to the accepted one as `.snap.new`, never in
//! place) and `INSTA_FORCE_PASS=1` (a differing snapshot does not stop its test, so all are
//! seen in one run), then shows each pending `.snap.new` as a unified diff against its
//! `.snap`. `--accept` moves them into place (dropping the `assertion_line` insta keeps only
//! for review, as cargo-insta does), `--reject` deletes them.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub(crate) const USAGE: &str = "snapshots [--accept|--reject] [--no-run]";

const HELP: &str = "\
cargo xtask snapshots [--accept|--reject] [--no-run]

Runs the tests of the crates with insta snapshots (INSTA_UPDATE=new, INSTA_FORCE_PASS=1),
then shows every pending .snap.new as a diff against its accepted .snap.
Exits 1 when snapshots are pending and neither --accept nor --reject is given.

  --accept  move the pending snapshots into place
  --reject  delete the pending snapshots
  --no-run  do not run the tests: review the .snap.new files already there";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Review,
    Accept,
    Reject,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut action = Action::Review;
    let mut run_tests = true;
    for arg in args {
        let chosen = match arg.as_str() {
            "--accept" => Action::Accept,
            "--reject" => Action::Reject,
            "--no-run" => {
                run_tests = false;
                continue;
            }
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("xtask snapshots: unknown option `{other}`\n\n{HELP}");
                return ExitCode::from(2);
            }
        };
        if action != Action::Review && action != chosen {
            eprintln!("xtask snapshots: --accept and --reject exclude each other");
            return ExitCode::from(2);
        }
        action = chosen;
    }
    match review(action, run_tests) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask snapshots: {e}");
            ExitCode::FAILURE
        }
    }
}

fn review(action: Action, run_tests: bool) -> Result<ExitCode, String> {
    let root = crate::root();
    let mut tests_failed = false;
    if run_tests {
        let crates = crates_with_snapshots(&root);
        if crates.is_empty() {
            println!("snapshots: no crate has a snapshots/ folder");
            return Ok(ExitCode::SUCCESS);
        }
        // As cargo-insta does: what an earlier run left pending is dropped first.
        for pending in pending(&root) {
            std::fs::remove_file(&pending)
                .map_err(|e| format!("removing {}: {e}", pending.display()))?;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command.args(["test", "--tests", "--no-fail-fast"]);
        for name in &crates {
            command.args(["-p", name]);
        }
        command
            .env("INSTA_UPDATE", "new")
            .env("INSTA_FORCE_PASS", "1")
            .env("INSTA_OUTPUT", "summary")
            .current_dir(&root);
        println!("snapshots: running the tests of {}", crates.join(", "));
        let status = command
            .status()
            .map_err(|e| format!("cannot run cargo test: {e}"))?;
        tests_failed = !status.success();
    }

    let pending = pending(&root);
    for path in &pending {
        let accepted = accepted_path(path);
        let new = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let new = for_persistence(&new);
        let old = std::fs::read_to_string(&accepted).unwrap_or_default();
        let (shown_old, shown_new) = (relative(&root, &accepted), relative(&root, path));
        let state = if accepted.exists() { "changed" } else { "new" };
        println!("\n=== {shown_old} ({state})");
        print!("{}", unified_diff(&old, &new, &shown_old, &shown_new, 3));
        match action {
            Action::Review => {}
            Action::Accept => {
                std::fs::write(&accepted, &new)
                    .and_then(|()| std::fs::remove_file(path))
                    .map_err(|e| format!("accepting {shown_new}: {e}"))?;
                println!("accepted {shown_old}");
            }
            Action::Reject => {
                std::fs::remove_file(path).map_err(|e| format!("rejecting {shown_new}: {e}"))?;
                println!("rejected {shown_new}");
            }
        }
    }
    let inline = inline_pending(&root);
    for path in &inline {
        eprintln!(
            "{}: a pending inline snapshot: only cargo-insta can write it into the source",
            relative(&root, path)
        );
    }

    if tests_failed {
        eprintln!("\nsnapshots: some tests failed for another reason than a snapshot (see above)");
    }
    let left = if action == Action::Review {
        pending.len() + inline.len()
    } else {
        inline.len()
    };
    if pending.is_empty() && inline.is_empty() {
        println!("snapshots: none pending");
    } else if left > 0 {
        eprintln!(
            "\nsnapshots: {left} pending: `cargo xtask snapshots --accept` takes them, \
             `--reject` drops them (add `--no-run` to skip running the tests again)"
        );
    }
    Ok(if left > 0 || tests_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `foo.snap.new` -> `foo.snap`.
fn accepted_path(pending: &Path) -> PathBuf {
    pending.with_extension("")
}

/// The pending snapshot as insta saves an accepted one: without `assertion_line` in the
/// header (it is only there for review).
fn for_persistence(snapshot: &str) -> String {
    let mut out = String::with_capacity(snapshot.len());
    let mut separators = 0;
    for line in snapshot.split_inclusive('\n') {
        if line.trim_end() == "---" {
            separators += 1;
        }
        if separators == 1 && line.starts_with("assertion_line:") {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Every file under `root` (not in `target/` or hidden folders) for which `keep` is true.
fn walk(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            match entry.file_type() {
                Ok(t)
                    if t.is_dir()
                        && !(name.starts_with('.')
                            || name == "target"
                            || name == "node_modules") =>
                {
                    dirs.push(path);
                }
                Ok(t) if t.is_file() && keep(&path) => found.push(path),
                _ => {}
            }
        }
    }
    found.sort();
    found
}

fn file_name_ends_with(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
}

fn pending(root: &Path) -> Vec<PathBuf> {
    walk(root, &|p| file_name_ends_with(p, ".snap.new"))
}

fn inline_pending(root: &Path) -> Vec<PathBuf> {
    walk(root, &|p| file_name_ends_with(p, ".pending-snap"))
}

/// The package names of the crates with a `snapshots/` folder of `.snap` files.
fn crates_with_snapshots(root: &Path) -> Vec<String> {
    let snaps = walk(root, &|p| {
        file_name_ends_with(p, ".snap")
            && p.parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "snapshots")
    });
    let mut names: Vec<String> = snaps
        .iter()
        .filter_map(|snap| {
            let dir = snap.ancestors().find(|d| d.join("Cargo.toml").is_file())?;
            package_name(&std::fs::read_to_string(dir.join("Cargo.toml")).ok()?)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `name` of the `[package]` table of a manifest.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_owned());
        }
    }
    None
}

// ----- a small unified diff ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// A unified diff of `old` and `new` by lines (longest common subsequence), `context`
/// lines around each change; empty when they are equal.
fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    // (op, line text, old index, new index): indices of the line before it on each side.
    let mut ops: Vec<(Op, &str, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((Op::Same, a[i], i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
            ops.push((Op::Removed, a[i], i, j));
            i += 1;
        } else {
            ops.push((Op::Added, b[j], i, j));
            j += 1;
        }
    }
    let changes: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Same).collect();
    if changes.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut c = 0;
    while c < changes.len() {
        // Group the changes closer than two contexts into one hunk.
        let mut last = c;
        while last + 1 < changes.len() && changes[last + 1] - changes[last] <= 2 * context + 1 {
            last += 1;
        }
        let start = changes[c].saturating_sub(context);
        let end = (changes[last] + context + 1).min(ops.len());
        let hunk = &ops[start..end];
        let old_len = hunk.iter().filter(|o| o.0 != Op::Added).count();
        let new_len = hunk.iter().filter(|o| o.0 != Op::Removed).count();
        let (old_at, new_at) = (hunk[0].2, hunk[0].3);
        let line_no = |at: usize, len: usize| if len == 0 { at } else { at + 1 };
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            line_no(old_at, old_len),
            line_no(new_at, new_len)
        ));
        for (op, text, _, _) in hunk {
            let sign = match op {
                Op::Same => ' ',
                Op::Removed => '-',
                Op::Added => '+',
            };
            out.push(sign);
            out.push_str(text);
            out.push('\n');
        }
        c = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a\nb\n", "a\nb\n", "x", "y", 3), "");
    }

    #[test]
    fn a_change_is_shown_with_its_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(old, new, "a.snap", "a.snap.new", 2),
            "--- a.snap\n+++ a.snap.new\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks_and_a_new_file_is_all_added() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "A\nb\nc\nd\ne\nf\ng\nH\n";
        let diff = unified_diff(old, new, "o", "n", 1);
        assert_eq!(
            diff,
            "--- o\n+++ n\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -7,2 +7,2 @@\n g\n-h\n+H\n"
        );
        assert_eq!(
            unified_diff("", "x\ny\n", "o", "n", 3),
            "--- o\n+++ n\n@@ -0,0 +1,2 @@\n+x\n+y\n"
        );
    }

    #[test]
    fn the_assertion_line_is_dropped_on_accept_and_only_from_the_header() {
        let pending =
            "---\nsource: a.rs\nassertion_line: 12\nexpression: x\n---\nassertion_line: 3\n";
        assert_eq!(
            for_persistence(pending),
            "---\nsource: a.rs\nexpression: x\n---\nassertion_line: 3\n"
        );
        assert_eq!(
            accepted_path(Path::new("s/a__b.snap.new")),
            Path::new("s/a__b.snap")
        );
    }

    #[test]
    fn package_names_are_read_from_the_package_table() {
        let manifest = "[workspace]\nname = \"no\"\n\n[package]\nname = \"yoti-types\"\n";
        assert_eq!(package_name(manifest).as_deref(), Some("yoti-types"));
        assert_eq!(package_name("[dependencies]\nname = \"x\"\n"), None);
    }
}
