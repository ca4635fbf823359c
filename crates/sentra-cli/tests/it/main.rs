//! The integration tests as one binary: linking ~30 binaries of the whole stack each took minutes
//! and gigabytes of disk. Each module is one former test file.

mod access;
mod activities;
mod authorization;
mod catalog;
mod categories;
mod cli;
mod common;
mod dashboard;
mod duplicates;
mod export;
mod failover;
mod faults;
mod field_sync;
mod flagship;
mod growth;
mod http;
mod import;
mod import_web;
mod legality;
mod opendata;
mod operations;
mod partitioning;
mod partnerships;
mod procurement;
mod procurement_web;
mod product_pages;
mod product_photos;
mod products;
mod products_api;
mod reports;
mod search_servers;
mod synonyms;
