//! One module per `sentra` subcommand, each with its clap arguments (`Args`) and its `run`.

pub(crate) mod ahp;
pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod demo;
pub(crate) mod demo_file;
pub(crate) mod duplicates;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod key;
pub(crate) mod migrate;
pub(crate) mod migrate_data;
pub(crate) mod partition;
pub(crate) mod procurement;
pub(crate) mod region;
pub(crate) mod reindex;
pub(crate) mod restore;
pub(crate) mod serve;
pub(crate) mod user;
