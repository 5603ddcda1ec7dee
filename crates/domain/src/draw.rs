//! Random panel draws that anyone can re-run.
//!
//! Each candidate's place in the draw is
//!
//! ```text
//! SHA-256(lp("docket-draw/1") ‖ seed ‖ lp(function) ‖ lp(person))     lp(x) = u32be(len(x)) ‖ x
//! ```
//!
//! (32 seed bytes; `function` as in [`Function::as_str`], `person` the id's UTF-8), lowest
//! first, so anyone can recompute it with a SHA-256 tool. The draw takes the first `size`
//! eligible candidates in that order.
//! The seed is drawn at random when the panel is convened and recorded with every input, so
//! oversight can recompute the same panel from the record and see who was passed over and why.
//! Candidates with a declared conflict in the case, with another function in it, or outside
//! the eligibility rules are never drawn.

use crate::function::{Function, Functions};
use crate::ids::PersonId;
use crate::rule::{Rule, Violation};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const TAG: &[u8] = b"docket-draw/1";

/// A candidate's standing with the organisation, as eligibility rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Standing {
    /// A member since this date.
    Member { since: Date },
    /// Membership ended on this date.
    Former { left: Date },
    /// Never a member.
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    pub person: PersonId,
    pub standing: Standing,
}

/// Who may be drawn for a function, beyond conflicts and separation of functions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Not a member of the organisation within this many years of the draw (independent
    /// reviewers, for example).
    #[serde(default)]
    pub not_member_within_years: Option<i16>,
    /// A member for at least this many years (panels of members, for example).
    #[serde(default)]
    pub member_for_years: Option<i16>,
}

/// Everything a draw depends on: recorded, it lets anyone re-run the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    pub function: Function,
    pub size: usize,
    pub seed: [u8; 32],
    pub on: Date,
    pub pool: Vec<Candidate>,
    pub eligibility: Eligibility,
    /// People who declared a conflict of interest in the case.
    pub conflicted: BTreeSet<PersonId>,
}

/// Why a candidate was passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Exclusion {
    Conflict,
    /// Holds another function in the case.
    OtherFunction {
        function: Function,
    },
    /// Outside the eligibility rules, said in words.
    NotEligible {
        why: String,
    },
    /// Listed in the pool more than once; the first listing stands.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Draw {
    /// The panel, in draw order.
    pub drawn: Vec<PersonId>,
    /// Everyone passed over, with the reason, in pool order.
    pub excluded: Vec<(PersonId, Exclusion)>,
}

/// Draws a panel for `input.function` in a case whose current holders are `functions`.
/// Refuses (naming how many were eligible and why the rest were not) when the pool cannot
/// fill the panel: a short panel is never drawn silently.
pub fn draw(input: &DrawInput, functions: &Functions) -> Result<Draw, Violation> {
    if input.size == 0 {
        return Err(Violation::invalid(
            "size",
            "a panel needs at least one member",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut excluded = Vec::new();
    let mut eligible = Vec::new();
    for c in &input.pool {
        let exclusion = if !seen.insert(&c.person) {
            Some(Exclusion::Duplicate)
        } else if input.conflicted.contains(&c.person) {
            Some(Exclusion::Conflict)
        } else if let Some(function) = other_function(functions, &c.person, input.function) {
            Some(Exclusion::OtherFunction { function })
        } else {
            ineligible(&input.eligibility, c.standing, input.on)
                .map(|why| Exclusion::NotEligible { why })
        };
        match exclusion {
            Some(e) => excluded.push((c.person.clone(), e)),
            None => eligible.push((place(input, &c.person), &c.person)),
        }
    }
    if eligible.len() < input.size {
        return Err(Violation::new(
            Rule::PanelPoolTooSmall,
            format!(
                "a panel of {} needs {} eligible people but the pool of {} has {}: {} passed over ({})",
                input.size,
                input.size,
                input.pool.len(),
                eligible.len(),
                excluded.len(),
                summary(&excluded)
            ),
        ));
    }
    eligible.sort();
    Ok(Draw {
        drawn: eligible
            .into_iter()
            .take(input.size)
            .map(|(_, p)| p.clone())
            .collect(),
        excluded,
    })
}

/// The candidate's place in the draw (see the module's formula): lower goes first.
fn place(input: &DrawInput, person: &PersonId) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    fn lp(h: &mut Sha256, b: &[u8]) {
        h.update((b.len() as u32).to_be_bytes());
        h.update(b);
    }
    let mut h = Sha256::new();
    lp(&mut h, TAG);
    h.update(input.seed);
    lp(&mut h, input.function.as_str().as_bytes());
    lp(&mut h, person.as_str().as_bytes());
    h.finalize().into()
}

fn other_function(functions: &Functions, person: &PersonId, wanted: Function) -> Option<Function> {
    functions
        .holders
        .iter()
        .find(|(p, f)| p == person && *f != wanted)
        .map(|(_, f)| *f)
}

fn ineligible(rules: &Eligibility, standing: Standing, on: Date) -> Option<String> {
    let years_before = |years: i16| on.saturating_sub(jiff::Span::new().years(years));
    if let Some(years) = rules.not_member_within_years {
        let cutoff = years_before(years);
        match standing {
            Standing::Member { .. } => return Some("is a member".into()),
            Standing::Former { left } if left > cutoff => {
                return Some(format!("was a member until {left}, within {years} years"));
            }
            _ => {}
        }
    }
    if let Some(years) = rules.member_for_years {
        match standing {
            Standing::Member { since } if since > years_before(years) => {
                return Some(format!("a member only since {since}, not {years} years"));
            }
            Standing::Member { .. } => {}
            _ => return Some("is not a member".into()),
        }
    }
    None
}

/// "2 conflict, 1 other function"
fn summary(excluded: &[(PersonId, Exclusion)]) -> String {
    let count = |f: fn(&Exclusion) -> bool| excluded.iter().filter(|(_, e)| f(e)).count();
    let parts = [
        (
            count(|e| matches!(e, Exclusion::Conflict)),
            "declared a conflict",
        ),
        (
            count(|e| matches!(e, Exclusion::OtherFunction { .. })),
            "hold another function",
        ),
        (
            count(|e| matches!(e, Exclusion::NotEligible { .. })),
            "not eligible",
        ),
        (count(|e| matches!(e, Exclusion::Duplicate)), "listed twice"),
    ];
    let said: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if said.is_empty() {
        "none".into()
    } else {
        said.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).expect("person")
    }

    fn member(s: &str, since: Date) -> Candidate {
        Candidate {
            person: p(s),
            standing: Standing::Member { since },
        }
    }

    fn input(pool: Vec<Candidate>, size: usize, seed: u8) -> DrawInput {
        DrawInput {
            function: Function::HearingPanel,
            size,
            seed: [seed; 32],
            on: date(2026, 11, 22),
            pool,
            eligibility: Eligibility::default(),
            conflicted: BTreeSet::new(),
        }
    }

    fn pool(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| member(&format!("m{i}"), date(2010, 1, 1)))
            .collect()
    }

    /// The place is exactly the documented formula, so a draw can be re-run without Docket.
    #[test]
    fn the_place_is_the_documented_hash() {
        use sha2::{Digest, Sha256};
        let i = input(pool(1), 1, 9);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[0, 0, 0, 13]);
        bytes.extend_from_slice(b"docket-draw/1");
        bytes.extend_from_slice(&[9; 32]);
        bytes.extend_from_slice(&[0, 0, 0, 13]);
        bytes.extend_from_slice(b"hearing_panel");
        bytes.extend_from_slice(&[0, 0, 0, 2]);
        bytes.extend_from_slice(b"m0");
        let expected: [u8; 32] = Sha256::digest(&bytes).into();
        assert_eq!(place(&i, &p("m0")), expected);
    }

    #[test]
    fn a_recorded_draw_re_runs_to_the_same_panel() {
        let i = input(pool(30), 3, 7);
        let first = draw(&i, &Functions::default()).expect("draw");
        assert_eq!(first.drawn.len(), 3);
        // Re-run from the record (as JSON, as it would be stored).
        let recorded: DrawInput =
            serde_json::from_str(&serde_json::to_string(&i).expect("json")).expect("back");
        assert_eq!(
            draw(&recorded, &Functions::default()).expect("again"),
            first
        );
        // The pool's order does not matter; the seed does.
        let mut reversed = i.clone();
        reversed.pool.reverse();
        assert_eq!(
            draw(&reversed, &Functions::default()).expect("rev").drawn,
            first.drawn
        );
        let other_seeds: Vec<_> = (8..12)
            .map(|s| {
                draw(&input(pool(30), 3, s), &Functions::default())
                    .expect("d")
                    .drawn
            })
            .collect();
        assert!(other_seeds.iter().any(|d| *d != first.drawn));
    }

    #[test]
    fn conflicts_other_functions_and_ineligible_people_are_never_drawn() {
        let mut functions = Functions::default();
        functions.assign(p("m1"), Function::Investigator);
        for seed in 0..50 {
            let mut i = input(pool(6), 3, seed);
            i.conflicted.insert(p("m0"));
            i.pool.push(member("new", date(2026, 1, 1)));
            i.pool.push(member("m2", date(2010, 1, 1)));
            i.eligibility.member_for_years = Some(2);
            let d = draw(&i, &functions).expect("draw");
            for never in ["m0", "m1", "new"] {
                assert!(!d.drawn.contains(&p(never)), "seed {seed}: {never} drawn");
            }
            assert_eq!(
                d.excluded,
                vec![
                    (p("m0"), Exclusion::Conflict),
                    (
                        p("m1"),
                        Exclusion::OtherFunction {
                            function: Function::Investigator
                        }
                    ),
                    (
                        p("new"),
                        Exclusion::NotEligible {
                            why: "a member only since 2026-01-01, not 2 years".into()
                        }
                    ),
                    (p("m2"), Exclusion::Duplicate),
                ]
            );
        }
    }

    proptest::proptest! {
        /// Whatever the pool, conflicts and seed: a full panel of distinct, eligible people,
        /// the same on every run, or a refusal because too few were eligible.
        #[test]
        fn draws_are_eligible_distinct_and_repeatable(
            n in 0usize..40,
            size in 1usize..6,
            conflicted in proptest::collection::btree_set(0usize..40, 0..10),
            seed in proptest::array::uniform32(proptest::num::u8::ANY),
        ) {
            let mut i = input(pool(n), size, 0);
            i.seed = seed;
            i.conflicted = conflicted.iter().map(|c| p(&format!("m{c}"))).collect();
            let eligible = n - conflicted.iter().filter(|&&c| c < n).count();
            match draw(&i, &Functions::default()) {
                Ok(d) => {
                    proptest::prop_assert_eq!(d.drawn.len(), size);
                    let distinct: BTreeSet<_> = d.drawn.iter().collect();
                    proptest::prop_assert_eq!(distinct.len(), size);
                    proptest::prop_assert!(d.drawn.iter().all(|x| !i.conflicted.contains(x)));
                    proptest::prop_assert_eq!(draw(&i, &Functions::default()).ok(), Some(d));
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e.rule, Rule::PanelPoolTooSmall);
                    proptest::prop_assert!(eligible < size);
                }
            }
        }
    }

    #[test]
    fn a_pool_too_small_is_refused_with_the_reasons() {
        let mut i = input(pool(3), 3, 1);
        i.conflicted.insert(p("m2"));
        let err = draw(&i, &Functions::default()).unwrap_err();
        assert_eq!(err.rule, Rule::PanelPoolTooSmall);
        assert_eq!(
            err.message,
            "a panel of 3 needs 3 eligible people but the pool of 3 has 2: 1 passed over (1 declared a conflict)"
        );
        assert_eq!(
            draw(&input(pool(3), 0, 1), &Functions::default())
                .unwrap_err()
                .rule,
            Rule::InvalidInput
        );
    }

    #[test]
    fn independent_reviewers_are_not_recent_members() {
        let mut i = input(
            vec![
                member("member", date(2000, 1, 1)),
                Candidate {
                    person: p("recent"),
                    standing: Standing::Former {
                        left: date(2024, 6, 1),
                    },
                },
                Candidate {
                    person: p("long-gone"),
                    standing: Standing::Former {
                        left: date(2019, 6, 1),
                    },
                },
                Candidate {
                    person: p("outsider"),
                    standing: Standing::Never,
                },
            ],
            2,
            3,
        );
        i.function = Function::IndependentReviewer;
        i.eligibility.not_member_within_years = Some(5);
        let d = draw(&i, &Functions::default()).expect("draw");
        let mut drawn = d.drawn.clone();
        drawn.sort();
        assert_eq!(drawn, vec![p("long-gone"), p("outsider")]);
        assert_eq!(
            d.excluded,
            vec![
                (
                    p("member"),
                    Exclusion::NotEligible {
                        why: "is a member".into()
                    }
                ),
                (
                    p("recent"),
                    Exclusion::NotEligible {
                        why: "was a member until 2024-06-01, within 5 years".into()
                    }
                ),
            ]
        );
    }
}
