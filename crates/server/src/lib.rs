//! Docket's server: the application service, HTTP, CLI commands and the demo organisation.
#![forbid(unsafe_code)]

pub mod access;
pub mod accounts;
pub mod ageing;
pub mod audit;
pub mod bench;
pub mod bundle;
pub mod cases;
pub mod chart;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decisions;
pub mod demo;
pub mod draws;
pub mod evidence;
pub mod figures;
pub mod fold;
pub mod hex;
pub mod http;
pub mod keyfile;
pub mod logkey;
pub mod members;
pub mod notice;
pub mod outbox;
pub mod report;
pub mod schedule;
pub mod search;
pub mod service;
pub mod stress;
pub mod transparency;
pub mod users;
pub mod verify;
