//! Latency percentiles and recall@10, printed as tables.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Top10;
use crate::queries::{Query, holds, words};

/// One engine's timings, per query class, and its first timed pass's results.
#[derive(Default)]
pub struct Samples {
    all: Vec<Duration>,
    by_class: BTreeMap<String, Vec<Duration>>,
    pub tops: Vec<Top10>,
}

impl Samples {
    pub fn add(&mut self, class: &str, took: Duration) {
        self.all.push(took);
        self.by_class
            .entry(class.to_string())
            .or_default()
            .push(took);
    }
}

/// The `p`-quantile (nearest rank) in milliseconds.
fn quantile(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1000.0
}

fn mean(samples: &[Duration]) -> f64 {
    samples.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / samples.len().max(1) as f64
}

/// Mean over the class's queries of the share of the first ten results (or of all relevant
/// products, when fewer than ten exist) whose name holds every intended word.
fn recall(queries: &[Query], tops: &[Top10], class: &str) -> f64 {
    let scores: Vec<f64> = queries
        .iter()
        .zip(tops)
        .filter(|(q, _)| q.class == class && q.relevant > 0)
        .map(|(q, top)| recall_of(q, top))
        .collect();
    if scores.is_empty() {
        f64::NAN
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

fn recall_of(q: &Query, top: &Top10) -> f64 {
    let good = top
        .iter()
        .filter(|name| {
            let w = words(name);
            q.intended.iter().all(|i| holds(&w, i))
        })
        .count();
    good as f64 / q.relevant.min(10) as f64
}

/// The queries of a class whose first ten results missed relevant products, with what came.
pub fn print_misses(queries: &[Query], tops: &[Top10], class: &str) {
    println!();
    for (q, top) in queries.iter().zip(tops) {
        if q.class == class && q.relevant > 0 && recall_of(q, top) < 1.0 {
            println!(
                "{:.1}  {:?} (meant {:?}, {} relevant): {:?}",
                recall_of(q, top),
                q.text,
                q.intended.join(" "),
                q.relevant,
                top.iter().take(3).collect::<Vec<_>>()
            );
        }
    }
}

pub fn print(queries: &[Query], results: &[(String, Samples)]) {
    println!();
    println!(
        "{:<52} {:>7} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "engine (in-process, 1 thread)",
        "queries",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "mean ms",
        "R@10 typo",
        "R@10 infl",
        "R@10 word",
        "R@10 phr"
    );
    for (engine, s) in results {
        let mut all = s.all.clone();
        println!(
            "{:<52} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
            engine,
            all.len(),
            quantile(&mut all, 0.50),
            quantile(&mut all, 0.95),
            quantile(&mut all, 0.99),
            mean(&s.all),
            recall(queries, &s.tops, "typo"),
            recall(queries, &s.tops, "inflected"),
            recall(queries, &s.tops, "word"),
            recall(queries, &s.tops, "phrase"),
        );
    }
    println!();
    println!(
        "{:<52} {:<10} {:>8} {:>8}",
        "per class", "class", "p50 ms", "p99 ms"
    );
    for (engine, s) in results {
        for (class, samples) in &s.by_class {
            let mut v = samples.clone();
            println!(
                "{:<52} {:<10} {:>8.2} {:>8.2}",
                engine,
                class,
                quantile(&mut v, 0.50),
                quantile(&mut v, 0.99)
            );
        }
    }
}
