//! `sentra ahp FILE.json`: one pairwise comparison matrix's priorities and consistency, for
//! analysts and for checking Sentra against other AHP tools. Reads `{"matrix": [[1, 3, 5], …]}`
//! (a full reciprocal matrix; `"method": "geometric_mean"` optional) and prints
//! `{"weights": […], "lambda_max": …, "ci": …, "cr": …}`.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use sentra_domain::flagship::ahp::{Method, PairwiseMatrix, priorities};

#[derive(clap::Args)]
pub(crate) struct Args {
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    println!("{}", weights_json(&args.file)?);
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    matrix: Vec<Vec<f64>>,
    #[serde(default)]
    method: Option<String>,
}

/// The JSON printed for a matrix file (`-` reads standard input).
fn weights_json(file: &Path) -> anyhow::Result<String> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let input: Input = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{}: not {{\"matrix\": [[…], …]}}: {e}", file.display()))?;
    let method = match input.method.as_deref() {
        None => Method::Eigenvector,
        Some(m) => Method::parse(m)
            .ok_or_else(|| anyhow!("method must be eigenvector or geometric_mean, not {m:?}"))?,
    };
    let matrix = PairwiseMatrix::from_rows(&input.matrix).map_err(|e| anyhow!("matrix: {e}"))?;
    let p = priorities(&matrix, method).map_err(|e| anyhow!("matrix: {e}"))?;
    let out = serde_json::json!({
        "method": method.as_str(),
        "weights": p.weights,
        "lambda_max": p.lambda_max,
        "ci": p.ci,
        "cr": p.cr,
        "consistent": p.consistent(),
    });
    Ok(serde_json::to_string_pretty(&out)?)
}
