//! `cargo xtask bench [--seconds N] [--no-write]`: runs every benchmark and writes the summary
//! table to `docs/BENCHMARKS.md`.
//!
//! Each benchmark is a `harness = false` bench target that measures its figure and its
//! baseline in the same run and prints one machine-readable summary line:
//!
//! ```text
//! BENCH name=NAME value=NUMBER unit=UNIT ratio=NUMBER target=TARGET | what the ratio is
//! ```
//!
//! where `TARGET` is `none` or `value` / `ratio` compared with a number (`ratio>=0.8`,
//! `value<8`). This command builds them all at once, runs them one after the other (never in
//! parallel: they would measure each other), echoes their output, and tabulates the lines.
//! A missed target is reported, not an error: speed and memory are measured, never asserted.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Every benchmark: package, bench target.
const BENCHES: [(&str, &str); 7] = [
    ("yoti-auth", "signing"),
    ("yoti-age", "sign"),
    ("yoti-types", "parse"),
    ("yoti-tests", "e2e"),
    ("yoti-tests", "emulator"),
    ("yoti-tests", "emulator_scale"),
    ("yoti-tests", "media"),
];

/// `BENCH_SECONDS` when neither the option nor the environment sets it.
const DEFAULT_SECONDS: &str = "4";

const OUTPUT: &str = "docs/BENCHMARKS.md";

const HELP: &str = "\
cargo xtask bench [--seconds N] [--no-write]

Runs every benchmark (`cargo bench -p PACKAGE --bench NAME`, one after the other) and writes
their summary table to docs/BENCHMARKS.md:
  yoti-auth  signing   request signing against raw aws-lc-rs
  yoti-age   sign      an Age Estimation request against base64 + SHA-256 of the image
  yoti-types parse     a large session result, typed against serde_json::Value
  yoti-tests e2e       get_session round trips at concurrency 1 and 16 against signing
  yoti-tests emulator  verified signed requests per second against raw verification
  yoti-tests emulator_scale  requests/s and p99 with 100k live IDV sessions against 1k,
                       and RSS per live session
  yoti-tests media     peak memory growth of a 50 MB download, streamed and collected

  --seconds N  how long each timed benchmark measures (BENCH_SECONDS; default: the
               environment's BENCH_SECONDS, else 4)
  --no-write   print the table, leave docs/BENCHMARKS.md alone

Run it on an otherwise idle machine: the end-to-end figures need both cores.";

/// One summary line.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) unit: String,
    pub(crate) ratio: f64,
    target: Target,
    about: String,
}

/// A target: what is compared, how, with what.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    None,
    Compare { ratio: bool, op: Op, bound: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
}

impl Op {
    fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Self::Ge => x >= bound,
            Self::Gt => x > bound,
            Self::Le => x <= bound,
            Self::Lt => x < bound,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Self::Ge => "≥",
            Self::Gt => ">",
            Self::Le => "≤",
            Self::Lt => "<",
        }
    }
}

impl Target {
    fn parse(text: &str) -> Option<Self> {
        if text == "none" {
            return Some(Self::None);
        }
        let (ratio, rest) = if let Some(rest) = text.strip_prefix("ratio") {
            (true, rest)
        } else {
            (false, text.strip_prefix("value")?)
        };
        let (op, bound) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
            .into_iter()
            .find_map(|(s, op)| rest.strip_prefix(s).map(|b| (op, b)))?;
        Some(Self::Compare {
            ratio,
            op,
            bound: bound.parse().ok()?,
        })
    }
}

impl Summary {
    /// Parses a `BENCH ...` line.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("BENCH ")?;
        let (fields, about) = rest.split_once(" | ").unwrap_or((rest, ""));
        let field = |key: &str| {
            fields
                .split_whitespace()
                .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        };
        Some(Self {
            name: field("name")?.to_owned(),
            value: field("value")?.parse().ok()?,
            unit: field("unit")?.to_owned(),
            ratio: field("ratio")?.parse().ok()?,
            target: Target::parse(field("target")?)?,
            about: about.trim().to_owned(),
        })
    }

    /// Whether the target is met; `None` without a target.
    fn met(&self) -> Option<bool> {
        match self.target {
            Target::None => None,
            Target::Compare { ratio, op, bound } => {
                Some(op.holds(if ratio { self.ratio } else { self.value }, bound))
            }
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::None => "—".to_owned(),
            Target::Compare {
                ratio: true,
                op,
                bound,
            } => format!("ratio {} {bound}", op.symbol()),
            Target::Compare {
                ratio: false,
                op,
                bound,
            } => format!("{} {bound} {}", op.symbol(), self.unit),
        }
    }

    fn met_text(&self) -> &'static str {
        match self.met() {
            None => "—",
            Some(true) => "yes",
            Some(false) => "**no**",
        }
    }
}

/// What one benchmark printed.
#[derive(Debug)]
struct Run {
    package: &'static str,
    bench: &'static str,
    /// Its human-readable lines (everything but the summaries).
    lines: Vec<String>,
    summaries: Vec<Summary>,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut seconds = std::env::var("BENCH_SECONDS").unwrap_or_else(|_| DEFAULT_SECONDS.into());
    let mut write = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => match args
                .next()
                .filter(|s| s.parse::<f64>().is_ok_and(|n| n > 0.0))
            {
                Some(n) => seconds.clone_from(n),
                None => {
                    eprintln!("xtask bench: --seconds needs a positive number");
                    return ExitCode::from(2);
                }
            },
            "--no-write" => write = false,
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("xtask bench: unknown option `{other}`\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    match bench(&seconds, write) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(crate::root());
    command
}

fn bench(seconds: &str, write: bool) -> Result<(), String> {
    // Build everything first, so that no benchmark runs while another one compiles. One
    // cargo invocation per benchmark, exactly as it is run: cargo unifies features across the
    // packages of one invocation, so a joint build would not be the one that runs.
    for (package, name) in BENCHES {
        let status = cargo()
            .args(["bench", "--no-run", "-p", package, "--bench", name])
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("building {package}/{name} failed ({status})"));
        }
    }

    let load = load_average();
    let started = Instant::now();
    let mut runs = Vec::new();
    for (package, name) in BENCHES {
        runs.push(run_one(package, name, seconds)?);
    }
    let elapsed = started.elapsed().as_secs();

    let report = render(&runs, seconds, load.as_deref(), elapsed);
    println!("\n{}", table(&runs));
    let missed: Vec<&str> = runs
        .iter()
        .flat_map(|r| &r.summaries)
        .filter(|s| s.met() == Some(false))
        .map(|s| s.name.as_str())
        .collect();
    if !missed.is_empty() {
        println!("targets not met: {}", missed.join(", "));
    }
    println!("benchmarks ran in {elapsed} s");
    if write {
        let path = crate::root().join(OUTPUT);
        std::fs::write(&path, report).map_err(|e| format!("cannot write {OUTPUT}: {e}"))?;
        println!("wrote {OUTPUT}");
    }
    Ok(())
}

/// Runs one benchmark, echoing its output as it comes.
fn run_one(package: &'static str, bench: &'static str, seconds: &str) -> Result<Run, String> {
    println!("\n==> cargo bench -p {package} --bench {bench}");
    let mut child = cargo()
        .args(["bench", "-p", package, "--bench", bench])
        .env("BENCH_SECONDS", seconds)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (mut lines, mut summaries) = (Vec::new(), Vec::new());
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading {bench}'s output: {e}"))?;
        println!("{line}");
        if line.starts_with("BENCH ") {
            summaries.push(
                Summary::parse(&line)
                    .ok_or_else(|| format!("{bench}: malformed summary line {line:?}"))?,
            );
        } else {
            lines.push(line);
        }
    }
    let status = child.wait().map_err(|e| format!("{bench}: {e}"))?;
    if !status.success() {
        return Err(format!("benchmark {package}/{bench} failed ({status})"));
    }
    if summaries.is_empty() {
        return Err(format!("benchmark {package}/{bench} printed no BENCH line"));
    }
    Ok(Run {
        package,
        bench,
        lines,
        summaries,
    })
}

/// A figure with a sensible number of digits.
pub(crate) fn number(x: f64) -> String {
    match x.abs() {
        a if a >= 100.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        a if a >= 1.0 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}

fn table(runs: &[Run]) -> String {
    let mut out = String::from(
        "| benchmark | figure | ratio | the ratio is | target | met? |\n\
         |---|---|---|---|---|---|\n",
    );
    for s in runs.iter().flat_map(|r| &r.summaries) {
        let _ = writeln!(
            out,
            "| `{}` | {} {} | {:.3} | {} | {} | {} |",
            s.name,
            number(s.value),
            s.unit,
            s.ratio,
            s.about.replace('|', "\\|"),
            s.target_text(),
            s.met_text()
        );
    }
    out
}

fn render(runs: &[Run], seconds: &str, load: Option<&str>, elapsed: u64) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = cpu_model().unwrap_or_else(|| "unknown".into());
    let mut out = String::new();
    out.push_str("# Benchmarks\n\n");
    out.push_str(
        "Generated by `cargo xtask bench` (`xtask/src/bench.rs`): do not edit by hand, run it \
         again. Each benchmark measures its figure and the baseline of its ratio in the same \
         run, so the ratio holds on any machine while the figures are this machine's. Speed \
         and memory are measured here, never asserted in timed tests.\n\n\
         The figures of one run on a shared virtual machine move by about ±10 % from one \
         minute to the next, and older rows here were measured on another day: to tell \
         whether a change made something slower, compare it with the commit before it in \
         one sitting, `cargo xtask bench-ab --base REV` (`xtask/src/bench_ab.rs`), which \
         alternates the two builds and compares median ratios.\n\n",
    );
    let _ = writeln!(out, "- date: {} (UTC)", today());
    let _ = writeln!(out, "- machine: {cores} cores (`nproc`), {cpu}");
    if let Some(load) = load {
        let _ = writeln!(out, "- load average before the run (1, 5, 15 min): {load}");
    }
    let _ = writeln!(
        out,
        "- command: `cargo xtask bench` with `BENCH_SECONDS={seconds}`, which runs, one after \
         the other:"
    );
    for run in runs {
        let _ = writeln!(
            out,
            "  - `cargo bench -p {} --bench {}`",
            run.package, run.bench
        );
    }
    let _ = writeln!(out, "- time: {elapsed} s, after the build\n");
    out.push_str(&table(runs));
    out.push_str(
        "\nA target is either on the figure or on the ratio; `—`: no target, the figure is \
         there for context.\n\n## What each benchmark printed\n",
    );
    for run in runs {
        let _ = writeln!(out, "\n### `{}` (`{}`)\n\n```text", run.bench, run.package);
        for line in &run.lines {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n");
    }
    out
}

/// The CPU model named by `/proc/cpuinfo` (Linux), if any.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string(Path::new("/proc/cpuinfo")).ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// The first three fields of `/proc/loadavg` (Linux), if any.
pub(crate) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(", "))
}

/// Today's date, `YYYY-MM-DD`, in UTC.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines_parse_and_targets_decide() {
        let s = Summary::parse(
            "BENCH name=e2e value=3371.9 unit=round-trips/s ratio=0.806 target=ratio>=0.8 \
             | concurrency 16 | over signing",
        )
        .unwrap();
        assert_eq!(s.name, "e2e");
        assert_eq!(s.unit, "round-trips/s");
        assert_eq!(s.about, "concurrency 16 | over signing");
        assert_eq!(s.met(), Some(true));
        assert_eq!(s.target_text(), "ratio ≥ 0.8");

        let s = Summary::parse("BENCH name=m value=9.5 unit=MB ratio=0.1 target=value<8").unwrap();
        assert_eq!(s.met(), Some(false));
        assert_eq!(s.target_text(), "< 8 MB");
        let s = Summary::parse("BENCH name=p value=1 unit=x ratio=1 target=none").unwrap();
        assert_eq!(s.met(), None);

        assert!(Summary::parse("BENCH name=p value=x unit=x ratio=1 target=none").is_none());
        assert!(Summary::parse("BENCH name=p value=1 unit=x ratio=1 target=ratio~1").is_none());
        assert!(Summary::parse("something else").is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
