//! The integration tests as one binary: linking ~30 binaries of the whole stack each took minutes
//! and gigabytes of disk. Each module is one former test file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails with its message

mod access;
mod activities;
mod audit_chain;
mod authorization;
mod catalog;
mod categories;
mod cli;
mod common;
mod counting_rules;
mod dashboard;
mod duplicates;
mod export;
mod export_profiles;
mod failover;
mod faults;
mod field_sync;
mod flagship;
mod growth;
mod http;
mod import;
mod import_keep;
mod import_web;
mod input_limits;
mod legality;
mod messaging;
mod messaging_api;
mod opendata;
mod operations;
mod page_outlines;
mod partitioning;
mod partnerships;
mod procurement;
mod procurement_web;
mod product_pages;
mod product_photos;
mod products;
mod products_api;
mod public_scope;
mod reports;
mod search_servers;
mod security;
mod security_uploads;
mod statistics;
mod synonyms;
mod xlsx_numbers;
