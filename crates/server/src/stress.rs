//! The child process of the durability test: appends from several writers as fast as it can
//! and prints a line for every append the store acknowledged, so the parent can SIGKILL it
//! at any moment and then check that every acknowledged append survived.

use crate::service::Docket;
use docket_domain::ids::PersonId;
use docket_domain::store::{Append, NewEvent, ReadModelChange};
use std::io::Write;

pub async fn run(docket: Docket, writers: usize) -> anyhow::Result<()> {
    let actor = PersonId::parse("system:stress").map_err(anyhow::Error::msg)?;
    let pid = std::process::id();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = docket.store.clone();
        let actor = actor.clone();
        tasks.push(tokio::spawn(async move {
            let stream = format!("stress/{pid}-{w}");
            let mut version = 0u64;
            loop {
                let append = Append {
                    stream: stream.clone(),
                    expected_version: version,
                    actor: actor.clone(),
                    at: jiff::Timestamp::now(),
                    events: vec![NewEvent {
                        kind: "stress".into(),
                        payload: format!("{{\"writer\":{w},\"n\":{}}}", version + 1),
                        salt: rand::random(),
                    }],
                    read_model: ReadModelChange::None,
                    outbox: Vec::new(),
                };
                let done = store.append(append).await?;
                version = done.version;
                // Printed only after the store acknowledged the append.
                let mut out = std::io::stdout().lock();
                writeln!(out, "ack {} {stream} {}", done.last_seq, done.version)?;
                out.flush()?;
            }
            #[allow(unreachable_code)]
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}
