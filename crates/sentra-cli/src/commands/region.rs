//! `sentra region`: the embedded Kemendagri region data, looked up by code or by name.

use anyhow::{anyhow, bail};
use sentra_domain::region::{RegionCode, RegionTree, Resolution};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// A code (36.74) or a name ("serpong utr").
    query: Vec<String>,
    /// Only search inside this region code.
    #[arg(long)]
    within: Option<String>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    region_command(&args.query.join(" "), args.within.as_deref())
}

fn region_command(query: &str, within: Option<&str>) -> anyhow::Result<()> {
    let tree = RegionTree::embedded();
    let within = within
        .map(|w| RegionCode::parse(w).map_err(|_| anyhow!("--within '{w}' is not a region code")))
        .transpose()?;
    if query.trim().is_empty() {
        for p in tree.provinces() {
            println!("{}\t{}\t{}", p.code, p.kind.as_str(), p.name);
        }
        return Ok(());
    }
    match tree.resolve(query, within.as_ref(), None) {
        Resolution::Found(r) => {
            let lineage: Vec<String> = tree
                .lineage(&r.code)
                .iter()
                .map(|x| x.name.clone())
                .collect();
            println!("{}\t{}\t{}", r.code, r.kind.as_str(), lineage.join(" › "));
            for c in tree.children(&r.code) {
                println!("  {}\t{}\t{}", c.code, c.kind.as_str(), c.name);
            }
            Ok(())
        }
        Resolution::Ambiguous(alts) => {
            println!("'{query}' could mean / bisa berarti:");
            for m in alts {
                let lineage: Vec<String> = tree
                    .lineage(&m.region.code)
                    .iter()
                    .map(|x| x.name.clone())
                    .collect();
                println!(
                    "  {}\t{}\t{}",
                    m.region.code,
                    m.region.kind.as_str(),
                    lineage.join(" › ")
                );
            }
            Ok(())
        }
        Resolution::NotFound => bail!("no region matches '{query}' / wilayah tidak ditemukan"),
    }
}
