//! The policy's machinery: loading and refusing files, entities that fit the schema, the
//! action groups, and decisions that cannot be made. The rules themselves are tested on
//! real cases in `tests/process/policy*.rs`.

use super::*;
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::role::Role;
use crate::stage::Stage;
use cedar_policy::{Entities, EntityId, EntityTypeName, EntityUid};
use std::str::FromStr;

pub(super) fn person(s: &str) -> PersonId {
    PersonId::parse(s).expect("person")
}

fn member(s: &str) -> MembershipNumber {
    MembershipNumber::parse(s).expect("member")
}

fn policy() -> Policy {
    match Policy::default_policy() {
        Ok(p) => p,
        Err(e) => panic!("the default policy loads: {e}"),
    }
}

pub(super) fn facts() -> CaseFacts {
    CaseFacts {
        id: CaseId::from_random(7),
        stage: Stage::Investigation,
        category: "bullying".into(),
        open: true,
        investigators: vec![person("ivy")],
        charging: vec![],
        hearing_panel: vec![],
        vetoed_panel: vec![],
        reviewers: vec![],
        appeal_panel: vec![],
        conflicted: vec![],
        complainant_member: Some(member("PA100")),
        respondent_member: member("PA200"),
        complainant_identity_disclosed: false,
        respondent_elected: false,
        outcome_final: false,
    }
}

#[test]
fn officeholders_see_final_outcomes_about_elected_representatives_only() {
    let p = policy();
    let whip = Principal::new(person("whip"), [Role::Officeholder]);
    let mistaken = Principal::new(person("whip2"), [Role::Officeholder, Role::CaseOfficer]);
    let officer = Principal::new(person("officer"), [Role::CaseOfficer]);
    let ask = |who: &Principal, elected: bool, is_final: bool| {
        let f = CaseFacts {
            respondent_elected: elected,
            outcome_final: is_final,
            ..facts()
        };
        p.authorize(who, Action::ViewOutcomeNotice, &Resource::Case(&f))
    };
    assert!(ask(&whip, true, true).allowed);
    for (elected, is_final) in [(true, false), (false, true), (false, false)] {
        for who in [&whip, &mistaken] {
            let d = ask(who, elected, is_final);
            assert!(!d.allowed, "{elected} {is_final}: {}", d.reason);
            assert_eq!(
                d.policies,
                vec!["officeholders-see-only-the-outcomes-sent-to-them"]
            );
        }
        assert!(ask(&officer, elected, is_final).allowed);
    }
}

#[test]
fn evidence_is_added_by_case_officers_and_the_case_s_investigator_and_read_as_content() {
    let p = policy();
    let f = facts();
    let ask = |roles: &[Role], who: &str, a: Action| {
        let who = Principal::new(person(who), roles.iter().copied());
        p.authorize(&who, a, &Resource::Case(&f)).allowed
    };
    assert!(ask(&[Role::CaseOfficer], "officer", Action::AddEvidence));
    assert!(ask(&[Role::Investigator], "ivy", Action::AddEvidence));
    assert!(!ask(&[Role::Investigator], "other", Action::AddEvidence));
    assert!(!ask(&[Role::DisputesPanel], "dp", Action::AddEvidence));
    // Disclosure to a party is the case officers' decision, not the investigator's.
    assert!(ask(
        &[Role::CaseOfficer],
        "officer",
        Action::DiscloseEvidence
    ));
    assert!(!ask(&[Role::Investigator], "ivy", Action::DiscloseEvidence));
    assert!(!ask(
        &[Role::Oversight],
        "auditor",
        Action::DiscloseEvidence
    ));
    for (roles, who) in [
        (&[Role::CaseOfficer][..], "officer"),
        (&[Role::DisputesPanel][..], "dp"),
        (&[Role::Investigator][..], "ivy"),
    ] {
        assert!(ask(roles, who, Action::ViewEvidence), "{who}");
    }
    for (roles, who) in [
        (&[Role::Oversight][..], "auditor"),
        (&[Role::Administrator][..], "admin"),
        (&[Role::Investigator][..], "other"),
    ] {
        assert!(!ask(roles, who, Action::ViewEvidence), "{who}");
        assert!(!ask(roles, who, Action::AddEvidence), "{who}");
    }
    // Content stays closed to an officeholder given a staff role by mistake.
    let whip = [Role::Officeholder, Role::CaseOfficer];
    assert!(!ask(&whip, "whip", Action::ViewEvidence));
}

fn load_extra(name: &str, text: &str) -> Result<Policy, PolicyError> {
    Policy::from_sources(DEFAULT_SCHEMA, &[(name, text)])
}

#[test]
fn the_default_policy_loads_and_every_policy_says_why() {
    let p = policy();
    let ids = p.ids();
    assert!(ids.len() >= 20, "{ids:?}");
    assert_eq!(ids[0], "officeholders-never-read-content");
    for id in ids {
        let reason = p.reason_of(id).expect("known id");
        assert_ne!(reason, id, "policy {id} needs a @reason");
    }
    let _ = format!("{p:?}");
}

#[test]
fn a_policy_is_shareable_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Policy>();
}

#[test]
fn an_organisation_file_adds_to_the_default() {
    let extra = r#"
// Our organisation lets the disputes panel's members declare conflicts on behalf of others
// and forbids any command on cases in the "sexual_harassment" category to case officers who
// are also investigators.
@id("org-no-double-hats")
@reason("in this organisation a case officer who is also an investigator does not run sexual harassment cases")
forbid (principal in Role::"case_officer", action in Action::"command", resource is Case)
when { principal in Role::"investigator" && resource.category == "sexual_harassment" };
"#;
    let p = load_extra("org.cedar", extra).expect("loads");
    assert!(p.ids().contains(&"org-no-double-hats"));
    assert!(p.ids().contains(&"officeholders-never-read-content"));
    let mut f = facts();
    f.category = "sexual_harassment".into();
    let both = Principal::new(person("sam"), [Role::CaseOfficer, Role::Investigator]);
    let d = p.authorize(&both, Action::Acknowledge, &Resource::Case(&f));
    assert!(!d.allowed, "{d:?}");
    assert_eq!(d.policies, vec!["org-no-double-hats"]);
    assert!(
        d.reason.contains("does not run sexual harassment cases"),
        "{}",
        d.reason
    );
    // `command` is a grandparent of `acknowledge` (via `intake`): groups nest.
    let officer = Principal::new(person("sam"), [Role::CaseOfficer]);
    assert!(
        p.authorize(&officer, Action::Acknowledge, &Resource::Case(&f))
            .allowed
    );
}

#[test]
fn a_file_that_does_not_parse_is_refused_with_its_name_and_line() {
    let err = load_extra(
        "org.cedar",
        "\n\n@id(\"x\")\npermit (principal, action, resource) when { principal.",
    );
    let Err(e @ PolicyError::Syntax { .. }) = err else {
        panic!("expected a syntax error, got {err:?}");
    };
    assert_eq!(e.file(), "org.cedar");
    let PolicyError::Syntax { line, .. } = &e else {
        unreachable!()
    };
    assert_eq!(*line, 4, "{e}");
    assert!(e.to_string().starts_with("org.cedar, line 4"), "{e}");
}

#[test]
fn a_policy_that_does_not_fit_the_schema_is_refused_naming_file_and_policy() {
    let text = "// ours\n@id(\"grant-by-rank\")\n@reason(\"seniors may\")\npermit (principal, action, resource is Case)\nwhen { principal.rank > 3 };\n";
    let err = load_extra("ranks.cedar", text).expect_err("refused");
    match &err {
        PolicyError::Invalid {
            file,
            id,
            line,
            problem,
        } => {
            assert_eq!(
                (file.as_str(), id.as_str()),
                ("ranks.cedar", "grant-by-rank")
            );
            assert_eq!(*line, 5, "{err}");
            assert!(problem.contains("rank"), "{problem}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    // Strict mode: an optional attribute must be tested with `has` before use.
    let text = "@id(\"member-only\")\npermit (principal, action == Action::\"list_cases\", resource)\nwhen { principal.member == \"PA1\" };";
    let err = load_extra("strict.cedar", text).expect_err("refused");
    assert!(
        matches!(&err, PolicyError::Invalid { id, .. } if id == "member-only"),
        "{err}"
    );
    // An action that does not exist.
    let text =
        "@id(\"typo\")\npermit (principal, action == Action::\"veiw_case_content\", resource);";
    let err = load_extra("typo.cedar", text).expect_err("refused");
    assert_eq!(err.file(), "typo.cedar", "{err}");
}

#[test]
fn ids_are_required_and_unique_and_templates_refused() {
    let err =
        load_extra("a.cedar", "\n\npermit (principal, action, resource);").expect_err("no id");
    assert_eq!(
        err,
        PolicyError::MissingId {
            file: "a.cedar".into(),
            line: 3
        }
    );
    let err = load_extra(
        "b.cedar",
        "@id(\"officeholders-never-read-content\")\npermit (principal, action, resource);",
    )
    .expect_err("taken");
    assert!(
        matches!(&err, PolicyError::DuplicateId { file, first, .. } if file == "b.cedar" && first == DEFAULT_POLICY_FILE),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("already used in default.cedar"),
        "{err}"
    );
    let err = load_extra(
        "c.cedar",
        "@id(\"t\")\npermit (principal == ?principal, action, resource);",
    )
    .expect_err("template");
    assert!(
        matches!(&err, PolicyError::Template { file, .. } if file == "c.cedar"),
        "{err}"
    );
}

#[test]
fn a_schema_without_docket_s_actions_is_refused() {
    let err = Policy::from_sources("entity User;", &[]).expect_err("refused");
    assert_eq!(err.file(), SCHEMA_FILE);
    let err = Policy::from_sources("entity User = {", &[]).expect_err("refused");
    assert!(err.to_string().contains("line 1"), "{err}");
    let cut = DEFAULT_SCHEMA.replace(
        "action record_review in [review]\n  appliesTo { principal: [User], resource: [Case] };",
        "",
    );
    assert_ne!(cut, DEFAULT_SCHEMA);
    let err = Policy::from_sources(&cut, &[]).expect_err("refused");
    assert!(err.to_string().contains("record_review"), "{err}");
}

#[test]
fn entities_built_in_rust_fit_the_schema() {
    let schema = load::schema(DEFAULT_SCHEMA).expect("schema");
    let names = entities::Names::new(&schema).expect("names");
    let mut f = facts();
    f.conflicted = vec![person("olly")];
    f.hearing_panel = vec![person("p1"), person("p2"), person("p3")];
    let mut anonymous = facts();
    anonymous.id = CaseId::from_random(8);
    anonymous.complainant_member = None;
    let mut full = Principal::new(person("ann"), Role::ALL);
    full.member = Some(member("PA100"));
    full.receipt_for = Some(f.id.clone());
    let bare = Principal::new(person("bob"), []);
    let all = [
        names.user(&full).expect("user"),
        names.user(&bare).expect("user"),
        names.case(&f).expect("case"),
        names.case(&anonymous).expect("case"),
        names.organisation().clone(),
    ];
    if let Err(e) = Entities::from_entities(all, Some(&schema)) {
        panic!("entities must conform to the schema: {e}");
    }
}

#[test]
fn actions_sit_in_the_groups_the_policies_use() {
    let schema = load::schema(DEFAULT_SCHEMA).expect("schema");
    let declared = schema.action_entities().expect("actions");
    let uid = |name: &str| {
        EntityUid::from_type_name_and_id(
            EntityTypeName::from_str("Action").expect("type"),
            EntityId::new(name),
        )
    };
    let in_group = |a: Action, g: &str| {
        declared
            .ancestors(&uid(a.as_str()))
            .is_some_and(|mut it| it.any(|x| *x == uid(g)))
    };
    let content: Vec<Action> = Action::ALL
        .iter()
        .copied()
        .filter(|a| in_group(*a, "read_content"))
        .collect();
    assert_eq!(
        content,
        [
            Action::ViewCaseContent,
            Action::ViewEvidence,
            Action::ViewComplaint,
            Action::ViewAllegations,
            Action::ViewComplainantIdentity,
            Action::ViewResponse,
            Action::ViewDeclarations,
        ]
    );
    for a in Action::ALL.iter().copied() {
        if a.is_command() {
            assert!(in_group(a, "command"), "{a} is a command");
        } else {
            assert!(in_group(a, "read") || in_group(a, "administration"), "{a}");
        }
    }
    assert!(in_group(Action::SubmitDraftReport, "investigation"));
    assert!(in_group(Action::AddEvidence, "case_management"));
    assert!(in_group(Action::DiscloseEvidence, "case_management"));
    // Messages: staff write as case management; each party's reply is a party action, so
    // "parties act only as parties" lets the parties send them.
    assert!(in_group(Action::SendMessage, "case_management"));
    for a in [Action::ComplainantReply, Action::RespondentReply] {
        assert!(in_group(a, "party") && in_group(a, "command"), "{a}");
    }
    assert!(in_group(Action::DecideNoFurtherAction, "charging"));
    assert!(in_group(Action::RecordDecision, "hearing"));
    assert!(in_group(Action::RecordReview, "review"));
    assert!(in_group(Action::DecideAppeal, "appeal"));
}

#[test]
fn an_action_asked_of_the_wrong_kind_of_resource_is_refused_with_a_reason() {
    let p = policy();
    let oversight = Principal::new(person("tess"), [Role::Oversight]);
    let f = facts();
    let d = p.authorize(&oversight, Action::ViewStatistics, &Resource::Case(&f));
    assert!(!d.allowed && d.policies.is_empty());
    assert!(d.reason.contains("organisation as a whole"), "{}", d.reason);
    let d = p.authorize(
        &oversight,
        Action::ViewCaseMetadata,
        &Resource::Organisation,
    );
    assert!(
        !d.allowed && d.reason.contains("of one case"),
        "{}",
        d.reason
    );
    assert!(
        p.authorize(&oversight, Action::ViewAuditTrail, &Resource::Organisation)
            .allowed
    );
    assert!(
        p.authorize(&oversight, Action::ViewAuditTrail, &Resource::Case(&f))
            .allowed
    );
}

#[test]
fn a_policy_that_fails_to_evaluate_refuses_even_if_it_is_a_forbid() {
    // Cedar on its own skips a policy that errors: a broken forbid would then let the
    // request through. Docket refuses instead.
    let broken = "@id(\"overflowing-forbid\")\n@reason(\"never\")\nforbid (principal, action, resource)\nwhen { 9223372036854775807 + 1 > 0 };";
    let p = load_extra("broken.cedar", broken).expect("valid, if foolish");
    let officer = Principal::new(person("sam"), [Role::CaseOfficer]);
    let d = p.authorize(&officer, Action::Acknowledge, &Resource::Case(&facts()));
    assert!(!d.allowed, "{d:?}");
    assert_eq!(d.policies, vec!["overflowing-forbid"]);
    assert!(d.reason.contains("overflowing-forbid"), "{}", d.reason);
    assert!(d.reason.contains("could not be evaluated"), "{}", d.reason);
}

#[test]
fn reasons_describe_who_asked() {
    let p = policy();
    let f = facts();
    let ask = |roles: &[Role]| {
        let who = Principal::new(person("x"), roles.iter().copied());
        p.authorize(&who, Action::RecordReview, &Resource::Case(&f))
            .reason
    };
    assert_eq!(
        ask(&[Role::CaseOfficer]),
        "no policy permits a case_officer to record_review"
    );
    assert_eq!(
        ask(&[Role::Investigator]),
        "no policy permits an investigator to record_review"
    );
    assert_eq!(
        ask(&[]),
        "no policy permits someone with no role to record_review"
    );
    assert_eq!(
        ask(&[Role::CaseOfficer, Role::Officeholder, Role::Oversight]),
        "no policy permits someone with the roles case_officer, oversight and officeholder to record_review"
    );
}

#[test]
fn deciding_from_each_action_s_slice_matches_deciding_from_the_whole_set() {
    let p = policy();
    let mut whole = cedar_policy::PolicySet::new();
    for slice in &p.by_action {
        for policy in slice.policies() {
            if whole.policy(policy.id()).is_none() {
                whole.add(policy.clone()).expect("unique");
            }
        }
    }
    assert_eq!(
        whole.policies().count(),
        p.ids().len(),
        "every policy is in some slice"
    );
    let mut f = facts();
    f.charging = vec![person("cd")];
    f.hearing_panel = vec![person("p1")];
    f.reviewers = vec![person("rev")];
    f.appeal_panel = vec![person("a1")];
    f.conflicted = vec![person("olly")];
    let mut askers: Vec<Principal> = Role::ALL
        .iter()
        .flat_map(|r| {
            ["ivy", "cd", "p1", "rev", "a1", "olly", "sam"]
                .map(|who| Principal::new(person(who), [*r]))
        })
        .collect();
    let mut complainant = Principal::new(person("ann"), [Role::Complainant, Role::CaseOfficer]);
    complainant.member = Some(member("PA100"));
    let mut respondent = Principal::new(person("bob"), [Role::Respondent]);
    respondent.member = Some(member("PA200"));
    let mut receipt = Principal::new(person("anon"), [Role::Complainant]);
    receipt.receipt_for = Some(f.id.clone());
    askers.extend([complainant, respondent, receipt]);
    let schema = load::schema(DEFAULT_SCHEMA).expect("schema");
    let names = entities::Names::new(&schema).expect("names");
    let case = names.case(&f).expect("case");
    for who in &askers {
        let user = names.user(who).expect("user");
        for a in Action::ALL.iter().copied() {
            let entry = names.action(a);
            let target = if entry.on_case {
                case.clone()
            } else {
                names.organisation().clone()
            };
            let request = cedar_policy::Request::new(
                user.uid(),
                entry.uid.clone(),
                target.uid(),
                cedar_policy::Context::empty(),
                Some(&schema),
            )
            .expect("valid request");
            let entities =
                Entities::from_entities([user.clone(), target, entry.entity.clone()], None)
                    .expect("entities");
            let full = p.authorizer.is_authorized(&request, &whole, &entities);
            let sliced = p
                .authorizer
                .is_authorized(&request, &p.by_action[a.index()], &entities);
            assert_eq!(full.decision(), sliced.decision(), "{} {a}", who.person);
            let ids = |r: &cedar_policy::Response| {
                let mut v: Vec<String> = r.diagnostics().reason().map(|i| i.to_string()).collect();
                v.sort();
                v
            };
            assert_eq!(ids(&full), ids(&sliced), "{} {a}", who.person);
            assert_eq!(full.diagnostics().errors().count(), 0);
        }
    }
}

#[test]
fn those_refused_every_case_s_content_are_known_without_asking_about_a_case() {
    let p = policy();
    let content = Action::ViewCaseContent;
    for (roles, forbid) in [
        (vec![Role::Officeholder], "officeholders-never-read-content"),
        (
            vec![Role::Administrator],
            "officeholders-never-read-content",
        ),
        (vec![Role::Oversight], "oversight-never-reads-content"),
        (
            vec![Role::Officeholder, Role::CaseOfficer],
            "officeholders-never-read-content",
        ),
    ] {
        let who = Principal::new(person("ivy"), roles.clone());
        let d = p
            .refuses_every_case(&who, content)
            .unwrap_or_else(|| panic!("{roles:?} are refused every case"));
        assert!(!d.allowed);
        assert_eq!(d.policies, [forbid], "{roles:?}");
        assert!(d.reason.contains("never"), "{}", d.reason);
    }
    let mut anyone = vec![Principal::new(person("ivy"), [])];
    anyone.extend(
        [
            Role::CaseOfficer,
            Role::Investigator,
            Role::DisputesPanel,
            Role::PanelMember,
            Role::IndependentReviewer,
            Role::AppealPanelMember,
            Role::Complainant,
            Role::Respondent,
        ]
        .map(|r| Principal::new(person("ivy"), [r])),
    );
    for who in &anyone {
        assert_eq!(p.refuses_every_case(who, content), None, "{who:?}");
    }
    let oversight = Principal::new(person("tess"), [Role::Oversight]);
    assert_eq!(
        p.refuses_every_case(&oversight, Action::ViewCaseMetadata),
        None
    );
}

#[test]
fn a_refusal_of_every_case_is_what_asking_about_each_case_says() {
    let p = policy();
    let mut cases = vec![facts()];
    let mut all_roles = facts();
    all_roles.charging = vec![person("who")];
    all_roles.hearing_panel = vec![person("who")];
    all_roles.reviewers = vec![person("who")];
    all_roles.appeal_panel = vec![person("who")];
    all_roles.investigators = vec![person("who")];
    all_roles.outcome_final = true;
    all_roles.respondent_elected = true;
    cases.push(all_roles);
    let mut refused = 0;
    for a in Action::ALL.iter().copied() {
        for r in Role::ALL.iter().copied() {
            let who = Principal::new(person("who"), [r, Role::CaseOfficer]);
            let alone = Principal::new(person("who"), [r]);
            for who in [who, alone] {
                if p.refuses_every_case(&who, a).is_none() {
                    continue;
                }
                refused += 1;
                for f in &cases {
                    let d = p.authorize(&who, a, &Resource::Case(f));
                    assert!(!d.allowed, "{who:?} {a}: {d:?}");
                }
            }
        }
    }
    assert!(refused > 0);
}

#[test]
fn an_organisation_s_forbid_that_reads_the_case_is_asked_case_by_case() {
    let extra = r#"
@id("org-investigators-read-nothing")
@reason("in this organisation investigators work from copies, not the case file")
forbid (principal in Role::"investigator", action in Action::"read_content", resource);

@id("org-panels-read-no-open-case")
@reason("in this organisation panel members read only closed cases")
forbid (principal, action in Action::"read_content", resource is Case)
when { principal in Role::"panel_member" && resource.open };
"#;
    let p = load_extra("org.cedar", extra).expect("loads");
    let ivy = Principal::new(person("ivy"), [Role::Investigator]);
    let d = p
        .refuses_every_case(&ivy, Action::ViewCaseContent)
        .expect("refused whatever the case");
    assert_eq!(d.policies, ["org-investigators-read-nothing"]);
    let panel = Principal::new(person("p1"), [Role::PanelMember]);
    assert_eq!(p.refuses_every_case(&panel, Action::ViewCaseContent), None);
}
