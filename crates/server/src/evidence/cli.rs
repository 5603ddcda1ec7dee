//! `docket evidence …`, and where the evidence key is found for any command that serves.

use super::contents::Check;
use super::vault::{KEY_FILE, OrgKey};
use crate::cli::{DataArgs, EvidenceCmd};
use crate::commands::{case_id, location, open};
use crate::config::Location;
use crate::service::Docket;
use anyhow::{Context as _, bail};
use std::path::PathBuf;

/// Where the evidence key lives: --evidence-key, else the data folder's key file.
pub fn key_path(data: &DataArgs) -> anyhow::Result<Option<PathBuf>> {
    Ok(data.evidence_key.clone().or(match location(data)? {
        Location::Dir(d) => Some(d.join(KEY_FILE)),
        Location::Postgres(_) => None,
    }))
}

/// Gives `docket` its evidence key for serving: the key file if there is one; a new one if
/// there is none and the store holds no sealed evidence (so nothing can be lost by making
/// one); otherwise a refusal to start that says what is missing. Files an earlier version
/// kept unsealed are then sealed.
pub async fn for_serving(docket: Docket, path: Option<PathBuf>) -> anyhow::Result<Docket> {
    let docket = match &path {
        Some(p) if p.exists() => docket.with_evidence_key(OrgKey::load(p)?),
        Some(p) if docket.store.sealed_counts().await?.keys == 0 => {
            let key = OrgKey::generate();
            key.save(p)?;
            tracing::info!(
                key = key.id(),
                "created the evidence key (keep it secret and back it up)"
            );
            docket.with_evidence_key(key)
        }
        _ => docket,
    };
    let shown = path.map_or_else(
        || "no --evidence-key".to_string(),
        |p| p.display().to_string(),
    );
    docket.check_evidence_key(&shown).await?;
    if docket.evidence_key.is_some() {
        let sealed = docket.seal_legacy_evidence().await?;
        if sealed > 0 {
            tracing::info!(
                files = sealed,
                "sealed evidence files kept unsealed by an earlier version"
            );
        }
    }
    // An upload cut off by a crash leaves chunks no file names; a day on, none is arriving.
    let day_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let swept = docket.store.sweep_uploads(day_ago).await?;
    if swept > 0 {
        tracing::info!(uploads = swept, "removed the chunks of abandoned uploads");
    }
    Ok(docket)
}

/// Opens Docket with the evidence key, which must exist.
async fn open_with_key(data: &DataArgs) -> anyhow::Result<(Docket, PathBuf)> {
    let Some(path) = key_path(data)? else {
        bail!("give the evidence key with --evidence-key FILE (PostgreSQL keeps no files)");
    };
    let key = OrgKey::load(&path)
        .with_context(|| "the evidence key is needed to open evidence files".to_string())?;
    let docket = open(data).await?.with_evidence_key(key);
    docket
        .check_evidence_key(&path.display().to_string())
        .await?;
    Ok((docket, path))
}

pub async fn run(command: EvidenceCmd) -> anyhow::Result<()> {
    match command {
        EvidenceCmd::Verify { data, case } => verify(&data, &case).await,
        EvidenceCmd::RotateKey { data } => rotate(&data).await,
    }
}

async fn verify(data: &DataArgs, case: &str) -> anyhow::Result<()> {
    let id = case_id(case)?;
    let (docket, _) = open_with_key(data).await?;
    let found = docket.verify_evidence(&id).await?;
    let mut bad = 0;
    for (item, check) in &found {
        let what = format!("item {} ({}, {})", item.number, item.filename, item.sha256);
        match check {
            Check::Intact => println!("ok       {what}"),
            Check::Missing => {
                bad += 1;
                println!("MISSING  {what}: no file is stored under this hash");
            }
            Check::Altered(why) => {
                bad += 1;
                println!("ALTERED  {what}: {why}");
            }
        }
    }
    if bad > 0 {
        bail!(
            "{bad} of the {} evidence files of case {id} do not match the log",
            found.len()
        );
    }
    println!(
        "All {} evidence files of case {id} match the SHA-256 the log recorded when they arrived.",
        found.len()
    );
    Ok(())
}

async fn rotate(data: &DataArgs) -> anyhow::Result<()> {
    let (docket, path) = open_with_key(data).await?;
    let old = docket
        .evidence_key
        .as_deref()
        .map(|k| k.id().to_string())
        .unwrap_or_default();
    let new = OrgKey::generate();
    let staged = path.with_extension("key.new");
    // The new key is on disk before any case key is wrapped under it: a crash at any point
    // leaves a key that opens what is stored.
    new.save(&staged)?;
    let rewrapped = docket.rotate_evidence_key(&new).await?;
    let retired = path.with_extension(format!("key.{old}.retired"));
    std::fs::rename(&path, &retired)
        .and_then(|()| std::fs::rename(&staged, &path))
        .with_context(|| {
            format!(
                "the case keys are now wrapped under {} (in {}); move it to {} by hand",
                new.id(),
                staged.display(),
                path.display()
            )
        })?;
    println!(
        "Rewrapped {rewrapped} case keys under the new evidence key {} ({}). The old key {old} is now {}: keep it until your backups made before today have expired, then destroy it.",
        new.id(),
        path.display(),
        retired.display()
    );
    Ok(())
}
