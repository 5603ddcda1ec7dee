//! Docket's domain core. Commands in, events out, no I/O: this crate must build without
//! tokio, sqlx or axum, so every rule of the process can be tested as plain functions.
#![forbid(unsafe_code)]

pub mod account;
pub mod ageing;
pub mod calendar;
pub mod case;
pub mod charge;
pub mod clock;
pub mod command;
pub mod contact;
pub mod decide;
pub mod draw;
pub mod erasure;
pub mod event;
pub mod evidence;
pub mod function;
pub mod ids;
pub mod measure;
pub mod member;
pub mod notice;
pub mod policy;
pub mod role;
pub mod rule;
pub mod rulebook;
pub mod sanction;
pub mod schedule;
pub mod stage;
pub mod statistics;
pub mod store;
pub mod summary;
pub mod view;

pub use case::{Case, apply};
pub use command::Command;
pub use decide::{Context, decide};
pub use event::CaseEvent;
pub use rule::{Rule, Violation};
pub use stage::Stage;
