//! What a notice template can say: the case as its recipient is entitled to read it. The
//! respondent is told who complained only once that is disclosed; each party sees the
//! evidence disclosed to them and no other.

use docket_domain::calendar::Calendar;
use docket_domain::case::{Case, day_of};
use docket_domain::clock::stage_due;
use docket_domain::command::{Complainant, Party};
use docket_domain::measure::MeasureKind;
use docket_domain::rulebook::RuleBook;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct NoticeContext {
    pub organisation: String,
    pub reference: String,
    pub issued_on: Date,
    /// "respondent" or "complainant".
    pub recipient: &'static str,
    pub recipient_name: String,
    pub third_party: bool,
    pub received_on: Date,
    pub allegation: String,
    pub category: String,
    pub conduct_date: Date,
    /// Who complained, or why the respondent is not told.
    pub complainant: String,
    pub basis: String,
    pub investigation_terms: Option<String>,
    pub reply_by: Option<Date>,
    pub clauses: Vec<ClauseCited>,
    pub stage: String,
    pub next_due: Option<Date>,
    pub paused: bool,
    pub update_months: u32,
    pub measure: Option<MeasureShown>,
    pub charges: Vec<ChargeShown>,
    pub evidence: Vec<EvidenceShown>,
    pub hearing: Option<HearingShown>,
    pub sanctions: Vec<String>,
    pub findings: Vec<FindingShown>,
    pub sanction: Option<SanctionShown>,
    pub appeal_deadline: Option<Date>,
    pub appeal: Option<AppealShown>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseCited {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureShown {
    pub kind: String,
    pub scope: Vec<&'static str>,
    pub reasons: String,
    pub imposed_on: Date,
    pub review_date: Date,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChargeShown {
    pub number: u32,
    pub clause: String,
    pub title: String,
    pub version: u32,
    pub clause_text: String,
    pub conduct_date: Date,
    pub particulars: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceShown {
    pub number: u32,
    pub filename: String,
    /// The hash of the copy the party was given.
    pub sha256: String,
    /// When their copy is not the file itself: what was taken out, and the original's hash.
    pub removed: Option<String>,
    pub original_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HearingShown {
    pub date: Date,
    pub venue: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingShown {
    pub charge: u32,
    pub clause: String,
    pub proven: bool,
    pub reasons: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SanctionShown {
    pub name: String,
    pub term_months: Option<u32>,
    pub reapply_from: Option<Date>,
    pub live_months: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppealShown {
    pub upheld: bool,
    pub reasons: String,
}

impl NoticeContext {
    pub fn of(
        case: &Case,
        rules: &RuleBook,
        calendar: &Calendar,
        to: Party,
        issued_on: Date,
    ) -> NoticeContext {
        let complainant_name = match &case.complainant {
            Complainant::Member { name, .. } => name.clone(),
            Complainant::ThirdParty { name, .. } => name.clone(),
            Complainant::Anonymous => String::from("complainant"),
        };
        let complainant = match (&case.complainant, to, case.complainant_identity_disclosed) {
            (Complainant::Anonymous, _, _) => "The complaint was made anonymously.".to_string(),
            (_, Party::Respondent, false) => "Not disclosed at this stage: the complainant's identity is given to you only if a case officer decides, with reasons, that you need it to answer the allegation.".to_string(),
            (Complainant::Member { name, number }, _, _) => format!("{name} (member {number})"),
            (
                Complainant::ThirdParty {
                    name, organisation, ..
                },
                _,
                _,
            ) => match organisation {
                Some(o) => format!("{name}, {o}"),
                None => name.clone(),
            },
        };
        let clauses = case
            .charges
            .iter()
            .map(|c| ClauseCited {
                id: c.clause.to_string(),
                title: rules
                    .clause(&c.clause)
                    .map(|k| k.title.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let sanction_name = |code: &str| {
            rules
                .sanction(code)
                .map_or(code.to_string(), |s| s.name.clone())
        };
        let decided = case
            .final_sanction
            .as_ref()
            .or(case.decision.as_ref().and_then(|d| d.sanction.as_ref()));
        NoticeContext {
            organisation: rules.organisation.clone(),
            reference: case.id.to_string(),
            issued_on,
            recipient: to.as_str(),
            recipient_name: match to {
                Party::Respondent => case.respondent.name.clone(),
                Party::Complainant => complainant_name,
            },
            third_party: matches!(case.complainant, Complainant::ThirdParty { .. }),
            received_on: day_of(case.received_at),
            allegation: case.summary.to_string(),
            category: rules
                .category(&case.category)
                .map_or(case.category.clone(), |c| c.name.clone()),
            conduct_date: case.conduct_date,
            complainant,
            basis: case
                .assessment
                .as_ref()
                .map_or(String::new(), |a| a.to_string()),
            investigation_terms: case.investigation_terms.as_ref().map(|t| t.to_string()),
            reply_by: rules
                .time_limits
                .respondent_reply
                .map(|n| calendar.add_working_days(issued_on, n)),
            clauses,
            stage: crate::http::pages::portal::stage_words(case.stage).to_string(),
            next_due: stage_due(case, rules, calendar),
            paused: case.paused().is_some(),
            update_months: rules.update_months,
            measure: case.active_measures().last().map(|m| MeasureShown {
                kind: match &m.kind {
                    MeasureKind::AdministrativeSuspension { .. } => {
                        "Administrative suspension of membership".into()
                    }
                    MeasureKind::WhipWithdrawal { .. } => {
                        "Withdrawal of the parliamentary whip".into()
                    }
                },
                scope: match &m.kind {
                    MeasureKind::AdministrativeSuspension { scope } => {
                        scope.iter().map(|r| r.words()).collect()
                    }
                    MeasureKind::WhipWithdrawal { .. } => Vec::new(),
                },
                reasons: m.reasons.to_string(),
                imposed_on: day_of(m.imposed_at),
                review_date: m.review_date,
            }),
            charges: case
                .charges
                .iter()
                .map(|c| ChargeShown {
                    number: c.number,
                    clause: c.clause.to_string(),
                    title: rules
                        .clause(&c.clause)
                        .map(|k| k.title.clone())
                        .unwrap_or_default(),
                    version: c.clause_version,
                    clause_text: c.clause_text.clone(),
                    conduct_date: c.conduct_date,
                    particulars: c.particulars.to_string(),
                    evidence: c.evidence.iter().map(|e| e.to_string()).collect(),
                })
                .collect(),
            evidence: case
                .evidence
                .iter()
                .filter(|e| e.disclosed_to(to))
                .map(|e| {
                    let copy = e.copy_for(to);
                    EvidenceShown {
                        number: e.item.number,
                        filename: e.item.filename.clone(),
                        sha256: copy.map_or(&e.item.sha256, |c| &c.sha256).clone(),
                        removed: copy.map(|c| c.removed.join(", ")),
                        original_sha256: copy.map(|_| e.item.sha256.clone()),
                    }
                })
                .collect(),
            hearing: case.hearing.as_ref().map(|h| HearingShown {
                date: h.date,
                venue: h.venue.to_string(),
            }),
            sanctions: rules.sanctions.iter().map(|s| s.name.clone()).collect(),
            findings: case
                .decision
                .as_ref()
                .map(|d| {
                    d.findings
                        .iter()
                        .map(|f| FindingShown {
                            charge: f.charge,
                            clause: case
                                .charges
                                .iter()
                                .find(|c| c.number == f.charge)
                                .map_or(String::new(), |c| c.clause.to_string()),
                            proven: f.proven,
                            reasons: f.reasons.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            sanction: decided
                .filter(|s| !s.is_no_further_action())
                .map(|s| SanctionShown {
                    name: sanction_name(&s.code),
                    term_months: s.term_months,
                    reapply_from: s.reapply_from,
                    live_months: rules.sanction(&s.code).and_then(|k| k.live_months),
                }),
            appeal_deadline: case.appeal_deadline,
            appeal: case.appeal.as_ref().and_then(|a| {
                Some(AppealShown {
                    upheld: a.upheld?,
                    reasons: a.reasons.as_ref()?.to_string(),
                })
            }),
        }
    }

    /// A case with every part filled, to try templates on before they are used.
    pub fn sample() -> NoticeContext {
        let d = jiff::civil::date(2026, 3, 2);
        NoticeContext {
            organisation: "The Organisation".into(),
            reference: "DK-0000-0000".into(),
            issued_on: d,
            recipient: "respondent",
            recipient_name: "A Member".into(),
            third_party: false,
            received_on: d,
            allegation: "An allegation".into(),
            category: "Bullying".into(),
            conduct_date: d,
            complainant: "Not disclosed".into(),
            basis: "In scope".into(),
            investigation_terms: Some("Terms".into()),
            reply_by: Some(d),
            clauses: vec![ClauseCited {
                id: "2.1.8".into(),
                title: "Conduct".into(),
            }],
            stage: "under investigation".into(),
            next_due: Some(d),
            paused: false,
            update_months: 1,
            measure: Some(MeasureShown {
                kind: "Administrative suspension".into(),
                scope: vec!["vote"],
                reasons: "Risk".into(),
                imposed_on: d,
                review_date: d,
            }),
            charges: vec![ChargeShown {
                number: 1,
                clause: "2.1.8".into(),
                title: "Conduct".into(),
                version: 1,
                clause_text: "Text".into(),
                conduct_date: d,
                particulars: "Particulars".into(),
                evidence: vec!["A statement".into()],
            }],
            evidence: vec![EvidenceShown {
                number: 1,
                filename: "a.txt".into(),
                sha256: "0".repeat(64),
                removed: Some("EXIF (including GPS)".into()),
                original_sha256: Some("1".repeat(64)),
            }],
            hearing: Some(HearingShown {
                date: d,
                venue: "A room".into(),
            }),
            sanctions: vec!["Warning".into()],
            findings: vec![FindingShown {
                charge: 1,
                clause: "2.1.8".into(),
                proven: true,
                reasons: "Reasons".into(),
            }],
            sanction: Some(SanctionShown {
                name: "Warning".into(),
                term_months: None,
                reapply_from: None,
                live_months: Some(6),
            }),
            appeal_deadline: Some(d),
            appeal: Some(AppealShown {
                upheld: false,
                reasons: "Reasons".into(),
            }),
        }
    }
}
