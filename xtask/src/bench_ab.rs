//! `cargo xtask bench-ab --base REV [--bench PACKAGE/NAME]... [--runs N] [--seconds N]`:
//! whether the working tree is slower than an earlier commit, by the benchmarks' own ratios.
//!
//! One run of a benchmark on a shared virtual machine moves by ±10 % from one minute to
//! the next, more than most regressions it should catch; a table written by `cargo xtask
//! bench` weeks ago is no baseline either. So this builds each benchmark twice, at `REV`
//! (in a throw-away git worktree under `target/bench-ab/`, with its own target directory,
//! kept between calls) and in the working tree, then runs the two builds alternately, `N`
//! times each, and compares the medians of every `BENCH` line's ratio (a figure over its
//! baseline measured in the same run, so the machine's speed at that moment cancels out),
//! with their interquartile ranges. A change whose ranges overlap is reported as within the
//! spread, not as a regression.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::bench::Summary;

pub(crate) const USAGE: &str = "bench-ab --base REV [--bench PKG/NAME]... [--runs N]";

const HELP: &str = "\
cargo xtask bench-ab --base REV [--bench PACKAGE/NAME]... [--runs N] [--seconds N]

Builds the benchmarks at REV (a git worktree under target/bench-ab/) and in the working tree,
runs the two builds alternately N times each, and compares the median ratio of every BENCH
line, with its interquartile range.

  --base REV            the commit to compare with (a hash, tag, branch, HEAD~3, ...)
  --bench PACKAGE/NAME  a benchmark to compare (repeatable; default: yoti-auth/signing and
                        yoti-tests/e2e, the signing ratio and the end-to-end rows)
  --runs N              runs of each build (default 8)
  --seconds N           BENCH_SECONDS of each run (default 4)

Run it on an otherwise idle machine. Nothing is written: the report goes to stdout.";

const DEFAULT_BENCHES: [&str; 2] = ["yoti-auth/signing", "yoti-tests/e2e"];

/// A benchmark's executable and the folder it runs in (its package's, as `cargo bench` does).
#[derive(Debug)]
struct Built {
    executable: PathBuf,
    dir: PathBuf,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut base = None;
    let mut benches = Vec::new();
    let (mut runs, mut seconds) = (8_usize, String::from("4"));
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "--base" | "--bench" | "--runs" | "--seconds" => match args.next() {
                Some(value) => value,
                None => return usage_error(&format!("{arg} needs a value")),
            },
            other => return usage_error(&format!("unknown option `{other}`")),
        };
        match arg.as_str() {
            "--base" => base = Some(value.clone()),
            "--bench" if value.split_once('/').is_some() => benches.push(value.clone()),
            "--bench" => return usage_error("--bench takes PACKAGE/NAME"),
            "--runs" => match value.parse() {
                Ok(n) if n >= 2 => runs = n,
                _ => return usage_error("--runs needs a whole number of at least 2"),
            },
            _ => match value.parse::<f64>() {
                Ok(n) if n > 0.0 => seconds.clone_from(value),
                _ => return usage_error("--seconds needs a positive number"),
            },
        }
    }
    let Some(base) = base else {
        return usage_error("--base REV is required");
    };
    if benches.is_empty() {
        benches = DEFAULT_BENCHES.iter().map(|b| (*b).to_owned()).collect();
    }
    match compare(&base, &benches, runs, &seconds) {
        Ok(report) => {
            println!("\n{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask bench-ab: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(why: &str) -> ExitCode {
    eprintln!("xtask bench-ab: {why}\n\n{HELP}");
    ExitCode::from(2)
}

fn compare(base: &str, benches: &[String], runs: usize, seconds: &str) -> Result<String, String> {
    let root = crate::root();
    let scratch = root.join("target/bench-ab");
    let worktree = scratch.join("src");
    let rev = git(
        &root,
        &["rev-parse", "--short", &format!("{base}^{{commit}}")],
    )?;
    // A worktree left by an interrupted call goes first; the target directory stays, so the
    // next build at a nearby commit is incremental.
    let _ = git(
        &root,
        &["worktree", "remove", "--force", &path_arg(&worktree)],
    );
    git(
        &root,
        &["worktree", "add", "--detach", &path_arg(&worktree), &rev],
    )?;
    let outcome = (|| {
        let mut pairs = Vec::new();
        for bench in benches {
            let (package, name) = bench.split_once('/').unwrap_or((bench, bench));
            let old = build(&worktree, &scratch.join("target"), package, name)?;
            let new = build(&root, &root.join("target"), package, name)?;
            pairs.push((bench.as_str(), old, new));
        }
        let mut report = format!(
            "bench-ab: {rev} (base) against the working tree, {runs} alternating runs of each, \
             BENCH_SECONDS={seconds}{}\n",
            crate::bench::load_average()
                .map(|l| format!(", load average before: {l}"))
                .unwrap_or_default()
        );
        for (bench, old, new) in &pairs {
            let (mut olds, mut news) = (Vec::new(), Vec::new());
            for i in 0..runs {
                eprintln!("==> {bench}: run {}/{runs}", i + 1);
                olds.extend(run_once(old, seconds)?);
                news.extend(run_once(new, seconds)?);
            }
            report.push_str(&table(bench, &olds, &news));
        }
        Ok(report)
    })();
    let _ = git(
        &root,
        &["worktree", "remove", "--force", &path_arg(&worktree)],
    );
    outcome
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {} failed ({})", args.join(" "), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Builds one benchmark in `tree` and finds its executable in cargo's JSON messages.
fn build(tree: &Path, target: &Path, package: &str, name: &str) -> Result<Built, String> {
    eprintln!("==> building {package}/{name} in {}", tree.display());
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(tree)
        .env("CARGO_TARGET_DIR", target)
        .args(["bench", "--no-run", "--message-format=json", "-p", package])
        .args(["--bench", name])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building {package}/{name} in {} failed ({})",
            tree.display(),
            out.status
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == name
                && m["target"]["kind"][0] == "bench"
        })
        .and_then(|m| {
            let executable = PathBuf::from(m["executable"].as_str()?);
            let dir = Path::new(m["manifest_path"].as_str()?).parent()?.to_owned();
            Some(Built { executable, dir })
        })
        .ok_or_else(|| format!("cargo built no {package}/{name} bench executable"))
}

fn run_once(built: &Built, seconds: &str) -> Result<Vec<Summary>, String> {
    let out = Command::new(&built.executable)
        .current_dir(&built.dir)
        .arg("--bench")
        .env("BENCH_SECONDS", seconds)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", built.executable.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({})",
            built.executable.display(),
            out.status
        ));
    }
    let summaries: Vec<_> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(Summary::parse)
        .collect();
    if summaries.is_empty() {
        return Err(format!(
            "{} printed no BENCH line",
            built.executable.display()
        ));
    }
    Ok(summaries)
}

/// The quartiles (first, median, third) of some figures, by linear interpolation.
fn quartiles(mut xs: Vec<f64>) -> Option<[f64; 3]> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (xs.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
    };
    Some([at(0.25), at(0.5), at(0.75)])
}

/// A markdown table of every summary name both builds printed.
fn table(bench: &str, old: &[Summary], new: &[Summary]) -> String {
    let mut out = format!(
        "\n### {bench}\n\n\
         | benchmark | base ratio (IQR) | new ratio (IQR) | change | verdict | new median figure |\n\
         |---|---|---|---|---|---|\n"
    );
    let mut names: Vec<&str> = new.iter().map(|s| s.name.as_str()).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let of = |runs: &[Summary], pick: fn(&Summary) -> f64| {
            quartiles(runs.iter().filter(|s| s.name == name).map(pick).collect())
        };
        let (Some(b), Some(n), Some(v)) = (
            of(old, |s| s.ratio),
            of(new, |s| s.ratio),
            of(new, |s| s.value),
        ) else {
            let _ = writeln!(out, "| `{name}` | — | — | — | not in the base | — |");
            continue;
        };
        let change = n[1] / b[1] - 1.0;
        let verdict = if n[0] > b[2] {
            "higher"
        } else if n[2] < b[0] {
            "lower"
        } else {
            "within the spread"
        };
        let unit = new
            .iter()
            .find(|s| s.name == name)
            .map_or("", |s| s.unit.as_str());
        let _ = writeln!(
            out,
            "| `{name}` | {:.3} ({:.3}–{:.3}) | {:.3} ({:.3}–{:.3}) | {:+.1} % | {verdict} | {} {unit} |",
            b[1],
            b[0],
            b[2],
            n[1],
            n[0],
            n[2],
            change * 100.0,
            crate::bench::number(v[1]),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate() {
        assert_eq!(quartiles(vec![]), None);
        assert_eq!(quartiles(vec![2.0]), Some([2.0, 2.0, 2.0]));
        assert_eq!(
            quartiles(vec![4.0, 1.0, 3.0, 2.0, 5.0]),
            Some([2.0, 3.0, 4.0])
        );
        assert_eq!(quartiles(vec![1.0, 2.0]), Some([1.25, 1.5, 1.75]));
    }

    #[test]
    fn the_table_calls_overlapping_ranges_within_the_spread() {
        let line = |ratio: f64| {
            Summary::parse(&format!(
                "BENCH name=x value=10 unit=ops/s ratio={ratio} target=none | x"
            ))
            .unwrap()
        };
        let old: Vec<_> = [1.0, 1.1, 1.2, 1.3].map(line).into();
        let same: Vec<_> = [1.05, 1.15, 1.25, 1.35].map(line).into();
        let slower: Vec<_> = [0.5, 0.6, 0.7, 0.8].map(line).into();
        assert!(table("b", &old, &same).contains("within the spread"));
        let lower = table("b", &old, &slower);
        assert!(lower.contains("| lower |"), "{lower}");
        assert!(lower.contains("-43.5 %"), "{lower}");
    }
}
