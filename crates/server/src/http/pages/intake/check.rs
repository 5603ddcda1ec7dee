//! The complaint form's fields checked one by one: each problem named beside its field, the
//! membership numbers looked up, and the command built only when every field is good.

use super::{ComplaintForm, Kind, SUMMARY_MAX};
use crate::http::api::error::ApiError;
use crate::http::pages::FieldErrors;
use crate::service::Docket;
use docket_domain::Command;
use docket_domain::case::day_of;
use docket_domain::command::{Complainant, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, Text};
use jiff::Timestamp;
use jiff::civil::Date;

/// Checks every field, naming each problem beside its field; the command when all is well.
pub(super) async fn check(
    docket: &Docket,
    f: &ComplaintForm,
    id: &CaseId,
    now: Timestamp,
) -> Result<Result<(Command, Kind), FieldErrors>, ApiError> {
    let mut e = FieldErrors::default();
    let (complainant, kind) = match f.who.as_str() {
        "member" => {
            let number = member_number(
                docket,
                &mut e,
                "member_number",
                &f.member_number,
                "your membership number",
            )
            .await?;
            let name = e.required("member_name", &f.member_name, "your name");
            let c = number.map(|number| Complainant::Member { number, name });
            (c, Kind::Member)
        }
        "third_party" => {
            let name = e.required("third_name", &f.third_name, "your name");
            let organisation =
                Some(f.third_organisation.trim().to_string()).filter(|o| !o.is_empty());
            let email = Some(f.third_email.trim().to_string()).filter(|o| !o.is_empty());
            if let Some(a) = &email
                && a.parse::<lettre::Address>().is_err()
            {
                e.add(
                    "third_email",
                    "Give an email address like name@example.org, or leave it empty.",
                );
            }
            (
                Some(Complainant::ThirdParty {
                    name,
                    organisation,
                    email,
                }),
                Kind::ThirdParty,
            )
        }
        "anonymous" => (Some(Complainant::Anonymous), Kind::Anonymous),
        _ => {
            e.add("who", "Choose who you are: a member, someone from outside the organisation, or anonymous.");
            (None, Kind::Anonymous)
        }
    };
    let respondent_number = member_number(
        docket,
        &mut e,
        "respondent_number",
        &f.respondent_number,
        "the membership number of the person the complaint is about",
    )
    .await?;
    let respondent_name = e.required(
        "respondent_name",
        &f.respondent_name,
        "the name of the person the complaint is about",
    );
    let summary = text(
        &mut e,
        "summary",
        &f.summary,
        "a one-line summary of what happened",
    );
    if f.summary.trim().chars().count() > SUMMARY_MAX {
        e.add(
            "summary",
            format!(
                "Keep the summary to {SUMMARY_MAX} characters; put the detail in the account below."
            ),
        );
    }
    let narrative = text(
        &mut e,
        "narrative",
        &f.narrative,
        "what happened, in your own words",
    );
    let conduct_date = match f.conduct_date.trim() {
        "" => {
            e.add(
                "conduct_date",
                "Enter the date it happened (or the first date, if it went on for a while).",
            );
            None
        }
        raw => match raw.parse::<Date>() {
            Ok(d) if d > day_of(now) => {
                e.add(
                    "conduct_date",
                    format!("The date {d} is in the future: enter the date it happened."),
                );
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                e.add(
                    "conduct_date",
                    "Enter the date as year-month-day, for example 2026-03-14.",
                );
                None
            }
        },
    };
    let category = f.category.trim().to_string();
    if docket.rules.category(&category).is_none() {
        e.add("category", "Choose the kind of conduct from the list.");
    }
    let elected_office = match &respondent_number {
        Some(n) => docket.store.member(n).await?.and_then(|m| m.elected_office),
        None => None,
    };
    match (
        complainant,
        respondent_number,
        summary,
        narrative,
        conduct_date,
    ) {
        (Some(complainant), Some(member), Some(summary), Some(narrative), Some(conduct_date))
            if e.is_empty() =>
        {
            let cmd = Command::ReceiveComplaint {
                id: id.clone(),
                complainant,
                respondent: Respondent {
                    member,
                    name: respondent_name,
                    elected_office,
                },
                category,
                conduct_date,
                summary,
                narrative,
            };
            Ok(Ok((cmd, kind)))
        }
        _ => Ok(Err(e)),
    }
}

fn text(e: &mut FieldErrors, field: &str, raw: &str, what: &str) -> Option<Text> {
    if raw.trim().is_empty() {
        e.add(field, format!("Enter {what}."));
        return None;
    }
    match Text::parse(raw) {
        Ok(t) => Some(t),
        Err(why) => {
            e.add(field, format!("This is too long: {why}."));
            None
        }
    }
}

/// A membership number that is on the membership list, or the problem beside its field.
async fn member_number(
    docket: &Docket,
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    what: &str,
) -> Result<Option<MembershipNumber>, ApiError> {
    if raw.trim().is_empty() {
        e.add(field, format!("Enter {what}."));
        return Ok(None);
    }
    let Ok(number) = MembershipNumber::parse(raw) else {
        e.add(field, "A membership number is letters and digits only, as printed on the membership card (for example PA0012345).");
        return Ok(None);
    };
    if docket.store.member(&number).await?.is_none() {
        e.add(field, format!("There is no member with the number {number}: check it against the membership card or letter."));
        return Ok(None);
    }
    Ok(Some(number))
}
