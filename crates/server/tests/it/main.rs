//! Docket's one integration-test binary (each file under tests/ would link separately, which
//! on a 2-core machine costs minutes). Add modules here, not new test binaries.

mod accounts;
mod api;
mod api_reads;
mod backend;
mod bundle;
mod cli;
mod clocks;
mod conformance;
mod delivery;
mod demo;
mod disclosure;
mod durability;
mod evidence;
mod http;
mod kept;
mod notices;
mod pages;
mod pages_admin;
mod pages_intake;
mod pages_portal;
mod policy;
mod schedule;
mod search;
mod service;
mod statistics;
mod support;
mod tamper;
mod transparency;
