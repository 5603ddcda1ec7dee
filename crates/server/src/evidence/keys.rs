//! The server's side of the key hierarchy: a case's data key made when its first file
//! arrives, the check at start that the evidence key opens what is stored, the rotation of
//! the evidence key, and the sealing of files an earlier version kept unsealed.

use super::vault::{DataKey, OrgKey, VaultError};
use crate::service::{Docket, ServiceError};
use docket_domain::ids::CaseId;
use docket_domain::store::{CaseFilter, StoreError};
use std::sync::Arc;

/// Why evidence cannot be used without a key, as a person reads it.
const NO_KEY: &str = "this server was started without an evidence key, so it can neither store nor open evidence files; start it with its data folder's evidence.key or --evidence-key FILE";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "the store holds evidence sealed for {cases} cases, but no evidence key was found at {path}: without the key those files cannot be opened, and a new key would not open them either. Restore the key file from your backup (docs/OPERATIONS.md, \"The evidence key\"), or give its place with --evidence-key FILE"
    )]
    Missing { cases: u64, path: String },
    #[error("{0}")]
    Wrong(VaultError),
    #[error(transparent)]
    Store(#[from] ServiceError),
}

impl Docket {
    pub fn with_evidence_key(mut self, key: OrgKey) -> Docket {
        self.evidence_key = Some(Arc::new(key));
        self
    }

    fn org_key(&self) -> Result<&OrgKey, ServiceError> {
        self.evidence_key
            .as_deref()
            .ok_or_else(|| ServiceError::Store(StoreError::Unavailable(NO_KEY.into())))
    }

    /// `case`'s data key: the stored one unwrapped, or a new one if the case has none yet.
    pub(crate) async fn data_key(&self, case: &CaseId) -> Result<DataKey, ServiceError> {
        let org = self.org_key()?;
        let wrapped = match self.store.case_key(case).await? {
            Some(w) => w,
            // Two servers making one at once keep the first: both then use the stored key.
            None => {
                self.store
                    .put_case_key(&org.wrap(case, &DataKey::generate()))
                    .await?
            }
        };
        org.unwrap(&wrapped)
            .map_err(|e| ServiceError::Tampered(e.to_string()))
    }

    /// At start: refuses a key that cannot open what the store holds, or no key when the
    /// store holds sealed evidence (`path` names where the key was looked for).
    pub async fn check_evidence_key(&self, path: &str) -> Result<(), StartError> {
        let counts = self
            .store
            .sealed_counts()
            .await
            .map_err(ServiceError::from)?;
        if counts.keys == 0 {
            return Ok(());
        }
        let Some(org) = self.evidence_key.as_deref() else {
            return Err(StartError::Missing {
                cases: counts.keys,
                path: path.to_string(),
            });
        };
        // One key per wrapping key id: a store of a million cases is not read whole at start.
        let keys = self.store.key_samples().await.map_err(ServiceError::from)?;
        if let Some(w) = keys.iter().find(|w| w.key_id != org.id()) {
            return Err(StartError::Wrong(VaultError::WrongKey {
                case: w.case.clone(),
                stored: w.key_id.clone(),
                held: org.id().to_string(),
            }));
        }
        if let Some(w) = keys.first() {
            org.unwrap(w).map_err(StartError::Wrong)?;
        }
        Ok(())
    }

    /// Rewraps every case's data key under `new` (in one transaction); the files stay as
    /// they are. Returns how many keys were rewrapped.
    pub async fn rotate_evidence_key(&self, new: &OrgKey) -> Result<usize, ServiceError> {
        let org = self.org_key()?;
        let keys = self.store.case_keys().await?;
        let mut rewrapped = Vec::with_capacity(keys.len());
        for w in &keys {
            let data = org
                .unwrap(w)
                .map_err(|e| ServiceError::Tampered(e.to_string()))?;
            rewrapped.push(new.wrap(&w.case, &data));
        }
        self.store.rewrap_case_keys(&rewrapped).await?;
        Ok(rewrapped.len())
    }

    /// Seals the files an earlier version kept unsealed, under their cases' keys, then
    /// forgets the unsealed copies. Returns how many files were sealed.
    pub async fn seal_legacy_evidence(&self) -> Result<u64, ServiceError> {
        if self.store.sealed_counts().await?.legacy == 0 {
            return Ok(0);
        }
        let mut sealed = 0;
        for summary in self.store.list_cases(&CaseFilter::default()).await? {
            let Some(case) = self.load_case(&summary.id).await? else {
                continue;
            };
            for e in &case.evidence {
                let item = &e.item;
                if self
                    .store
                    .sealed_file(&case.id, &item.sha256)
                    .await?
                    .is_some()
                {
                    continue;
                }
                // A blob missing or altered is left for `docket evidence verify` to name.
                let Some(bytes) = self.store.legacy_blob(&item.sha256).await? else {
                    continue;
                };
                if super::sha256_hex(&bytes) != item.sha256 {
                    continue;
                }
                self.seal_whole(&case.id, &bytes, &item.media_type, &item.sha256)
                    .await?;
                sealed += 1;
            }
        }
        self.store.drop_legacy_blobs().await?;
        Ok(sealed)
    }
}
