//! The schedule in a running server: each pass asks the domain what time alone has made due
//! on every open case (`docket_domain::schedule::due`) and appends it, with the notices it
//! calls for. What is done is keyed in the case's own stream, so a pass that runs twice, a
//! server restarted mid-pass, or two servers on one PostgreSQL database each do it once: the
//! second append meets the first as a version conflict, reloads, and finds nothing left due.

use crate::service::{Docket, ServiceError};
use docket_domain::ids::PersonId;
use docket_domain::store::StoreError;
use jiff::Timestamp;

/// The actor of what the schedule records.
pub fn scheduler() -> PersonId {
    PersonId::parse("docket:scheduler").expect("constant id")
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub cases: usize,
    pub events: usize,
}

impl Docket {
    /// One pass of the schedule as of `now`.
    pub async fn run_schedule(&self, now: Timestamp) -> Result<Pass, ServiceError> {
        let open = self.open_cases().await?;
        let mut pass = Pass::default();
        for summary in open {
            let mut tries = 0;
            loop {
                let Some(case) = self.load_case(&summary.id).await? else {
                    break;
                };
                let due = docket_domain::schedule::due(
                    &case,
                    &self.rules,
                    &self.calendar,
                    now,
                    self.rules.update_months,
                );
                if due.is_empty() {
                    break;
                }
                let (after, append) = self.prepare_events(Some(&case), &due, &scheduler(), now)?;
                let n = append.events.len();
                match self.commit_case(&after, append).await {
                    Ok(_) => {
                        pass.cases += 1;
                        pass.events += n;
                        break;
                    }
                    // Someone else changed the case (or did this very step) meanwhile.
                    Err(ServiceError::Store(StoreError::Conflict { .. })) if tries < 10 => {
                        tries += 1
                    }
                    // A case busy past that is left to the next pass, not the others with it.
                    Err(ServiceError::Store(StoreError::Conflict { .. })) => {
                        tracing::warn!(case = %summary.id, "the schedule left a busy case to its next pass");
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(pass)
    }
}
