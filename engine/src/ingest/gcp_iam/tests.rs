use super::*;
use crate::gcp::condition::ConditionState;
use crate::gcp::effective::{held_by, holds, RoleSource};
use std::path::Path;

const NOW: i64 = 1_795_000_000; // 2026-11-17

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/gcp/iam")
        .join(name)
}

fn load(names: &[&str]) -> LoadReport {
    load_files(&names.iter().map(|n| fixture(n)).collect::<Vec<_>>())
}

#[test]
fn a_wrapped_project_policy_and_its_custom_roles() {
    let r = load(&[
        "project-policy-wrapped.json",
        "custom-roles-gcloud-list.json",
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.files, 2);
    let s = &r.snapshot;
    assert_eq!(s.bindings.len(), 8);
    assert!(s
        .bindings
        .iter()
        .all(|b| b.resource == "projects/demo-app-prod"));
    assert_eq!(s.custom_roles.len(), 2);

    // owner: everything a basic role grants, on the project
    let alice = held_by(s, "user:alice@example.com", NOW);
    assert!(alice
        .iter()
        .any(|h| h.binding.role == "roles/owner" && h.via.is_none()));
    assert!(!holds(
        s,
        "user:alice@example.com",
        "resourcemanager.projects.delete",
        "projects/demo-app-prod",
        NOW
    )
    .is_empty());
    // anyone: the public binding reaches every identity, marked as such
    let public = holds(
        s,
        "user:alice@example.com",
        "storage.objects.get",
        "projects/demo-app-prod",
        NOW,
    );
    assert!(
        public.iter().any(|h| h.via == Some("allUsers")),
        "{public:?}"
    );
    // a domain binding reaches its users only
    assert!(held_by(s, "user:erin@example.com", NOW)
        .iter()
        .any(|h| h.via == Some("domain:example.com")));
    assert!(!held_by(s, "user:erin@other.org", NOW)
        .iter()
        .any(|h| h.via == Some("domain:example.com")));
    // an expired temporary grant is read but not in force; a resource condition is conditional
    let bob = held_by(s, "user:bob@example.com", NOW);
    let states: Vec<(&str, ConditionState)> = bob
        .iter()
        .filter(|h| h.via.is_none())
        .map(|h| (h.binding.role.as_str(), h.state))
        .collect();
    assert_eq!(
        states,
        [
            ("roles/iam.serviceAccountUser", ConditionState::Expired),
            ("roles/storage.objectAdmin", ConditionState::Conditional)
        ]
    );
    assert!(holds(
        s,
        "user:bob@example.com",
        "iam.serviceAccounts.actAs",
        "projects/demo-app-prod",
        NOW
    )
    .is_empty());
    // custom roles: from the export; one not exported is unknown, not empty-and-silent
    let deployers = held_by(s, "group:deployers@example.com", NOW);
    let d = deployers.iter().find(|h| h.via.is_none()).expect("binding");
    assert!(matches!(d.role, RoleSource::Custom(r) if r.title == "App deployer"));
    assert!(d.permissions().contains(&"iam.serviceAccounts.actAs"));
    let dave = held_by(s, "user:dave@example.com", NOW);
    assert!(dave
        .iter()
        .any(|h| matches!(h.role, RoleSource::Unknown) && h.permissions().is_empty()));
    // the deleted member is kept, as written
    assert!(s.bindings.iter().any(|b| b
        .members
        .iter()
        .any(|m| m.starts_with("deleted:user:carol@"))));
}

#[test]
fn asset_inventory_exports_carry_the_hierarchy_and_bindings_reach_down_it() {
    let r = load(&[
        "asset-export-with-ancestors.jsonl",
        "search-all-iam-policies.json",
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let s = &r.snapshot;
    assert_eq!(s.bindings.len(), 6);
    assert_eq!(
        s.ancestors.get("projects/987654321098").map(Vec::as_slice),
        Some(
            &[
                "folders/456789012345".to_string(),
                "organizations/123456789012".to_string()
            ][..]
        )
    );
    // an organisation binding holds on a project two levels down, a folder binding one level
    let org = holds(
        s,
        "user:admin@example.com",
        "resourcemanager.projects.getIamPolicy",
        "projects/987654321098",
        NOW,
    );
    assert_eq!(org.len(), 1, "{org:?}");
    assert_eq!(org[0].binding.resource, "organizations/123456789012");
    assert!(!holds(
        s,
        "group:ops@example.com",
        "compute.instances.delete",
        "projects/987654321098",
        NOW
    )
    .is_empty());
    // …but not sideways: the bucket's binding is not the project's
    assert!(holds(
        s,
        "serviceAccount:exporter@demo-data.iam.gserviceaccount.com",
        "storage.objects.delete",
        "projects/987654321098",
        NOW
    )
    .is_empty());
    assert!(!holds(
        s,
        "serviceAccount:exporter@demo-data.iam.gserviceaccount.com",
        "storage.objects.delete",
        "//storage.googleapis.com/demo-data-exports",
        NOW
    )
    .is_empty());
    // the custom role asset, by its name
    assert!(s
        .custom_roles
        .contains_key("organizations/123456789012/roles/auditor"));
    // camelCase search results: resource name normalised, hierarchy from project/folders/organization
    assert!(s
        .bindings
        .iter()
        .any(|b| b.resource == "projects/demo-web"
            && b.role == "roles/iam.serviceAccountTokenCreator"));
    assert!(s.is_within("projects/demo-web", "organizations/123456789012"));
}

#[test]
fn what_cannot_be_read_is_reported_with_its_place_and_the_rest_is_kept() {
    let r = load(&[
        "bare-get-iam-policy.json",
        "bad-members-and-a-binding-without-role.json",
        "deny-policy.json",
    ]);
    let errors: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bare-get-iam-policy.json") && e.contains("jq '{resource: ")),
        "{errors:#?}"
    );
    for want in [
        "at `.policy.bindings[0].members[0]`: `alice@example.com` is not an IAM member",
        "at `.policy.bindings[0].members[2]`: a member that is not a string",
        "at `.policy.bindings[0].members[3]`: `robot:x`: unknown member type `robot:`",
        "at `.policy.bindings[1]`: a binding without a `role`",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{want} in {errors:#?}"
        );
    }
    // the good member of the bad binding and the good binding were kept
    let s = &r.snapshot;
    assert_eq!(s.bindings.len(), 2);
    assert_eq!(s.bindings[0].members, ["user:ok@example.com"]);
    // the deny policy is read, attached where its name says
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(s.deny_policies.len(), 1);
    assert_eq!(s.deny_policies[0].attachment, "projects/demo-app-prod");
}

#[test]
fn json_lines_errors_name_their_line() {
    let text = "{\"name\":\"//cloudresourcemanager.googleapis.com/projects/1\",\"iam_policy\":{\"bindings\":[]}}\n{not json\n{\"name\":\"//cloudresourcemanager.googleapis.com/projects/2\",\"iam_policy\":{\"bindings\":[{\"members\":[]}]}}\n";
    let src = SourceFile::from_text("export.jsonl", text);
    let mut r = LoadReport::default();
    read_text(&src, &mut r);
    let errors: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("export.jsonl:2:"), "{errors:?}");
    assert!(
        errors[1].starts_with("export.jsonl:3:") && errors[1].contains("without a `role`"),
        "{errors:?}"
    );
}

/// Real exports from public projects (`$WHITTLE_DATASETS`): Asset Inventory arrays, and
/// `getIamPolicy` bodies wrapped as the docs say. Skipped, and says so, when unset.
#[test]
fn conformance_real_gcp_iam_exports() {
    let Some(root) = std::env::var_os("WHITTLE_DATASETS").map(PathBuf::from) else {
        return;
    };
    let cai: Vec<PathBuf> = std::fs::read_dir(root.join("gcp-policy-library-fixtures"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    assert!(!cai.is_empty());
    let r = load_files(&cai);
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert!(
        r.snapshot.bindings.len() > 10,
        "{}",
        r.snapshot.bindings.len()
    );
    assert!(!r.snapshot.custom_roles.is_empty());
    let bodies = root.join("cloud-custodian/gcp/iam-policies-body");
    let (mut read, mut bad_members) = (0, 0);
    for e in std::fs::read_dir(bodies).into_iter().flatten().flatten() {
        let body = std::fs::read_to_string(e.path()).unwrap_or_default();
        let wrapped = format!("{{\"resource\": \"projects/p\", \"policy\": {body}}}");
        let src = SourceFile::from_text(&e.path().display().to_string(), &wrapped);
        let mut r = LoadReport::default();
        read_text(&src, &mut r);
        // the recordings were sanitised: a few members lost their `user:` prefix; each is
        // reported, and its binding's other members kept
        assert!(
            r.errors
                .iter()
                .all(|e| e.message.contains("is not an IAM member")),
            "{:#?}",
            r.errors
        );
        bad_members += r.errors.len();
        read += 1;
    }
    assert!(read > 100 && bad_members < 10, "{read} {bad_members}");
}

/// A deny policy takes a permission away from everyone its rules name, whatever their roles
/// grant, except its exceptions; a rule with a condition denies only sometimes.
#[test]
fn deny_policies_take_permissions_away() {
    let r = load(&[
        "project-policy-wrapped.json",
        "custom-roles-gcloud-list.json",
        "deny-policy.json",
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let s = &r.snapshot;
    let p = "projects/demo-app-prod";
    // Owner grants it; the deny policy takes it away
    assert!(
        holds(
            s,
            "user:alice@example.com",
            "resourcemanager.projects.delete",
            p,
            NOW
        )
        .len()
            == 1
    );
    assert!(holds(
        s,
        "user:alice@example.com",
        "iam.serviceAccountKeys.create",
        p,
        NOW
    )
    .is_empty());
    let d = crate::gcp::deny::denials(
        s,
        "user:alice@example.com",
        "iam.serviceAccountKeys.create",
        p,
    );
    assert_eq!((d.len(), d[0].conditional), (1, false));
    // the exception is not denied; the conditional rule denies only sometimes: still held
    assert!(crate::gcp::deny::denials(
        s,
        "user:breakglass@example.com",
        "iam.serviceAccountKeys.create",
        p
    )
    .is_empty());
    let cond = crate::gcp::deny::denials(
        s,
        "group:deployers@example.com",
        "storage.buckets.delete",
        p,
    );
    assert_eq!((cond.len(), cond[0].conditional), (1, true));
    // not attached above other projects
    assert!(crate::gcp::deny::denials(
        s,
        "user:alice@example.com",
        "iam.serviceAccountKeys.create",
        "projects/other"
    )
    .is_empty());
}

/// A binding conditioned on resource names holds on the resources it names and not on others.
#[test]
fn a_resource_name_condition_is_decided_on_a_named_resource() {
    let mut r = load(&["project-policy-wrapped.json"]);
    // objects of two buckets of the project (their names do not say the project: the hierarchy does)
    let logs = "projects/_/buckets/demo-app-logs/objects/2026/11/01.log";
    let data = "projects/_/buckets/demo-app-data/objects/orders.csv";
    for o in [logs, data] {
        r.snapshot
            .ancestors
            .insert(o.to_string(), vec!["projects/demo-app-prod".to_string()]);
    }
    let s = &r.snapshot;
    let bob = "user:bob@example.com";
    let on_logs = holds(s, bob, "storage.objects.delete", logs, NOW);
    assert_eq!(on_logs.len(), 1, "{on_logs:?}");
    assert_eq!(on_logs[0].state, ConditionState::Active);
    assert!(holds(s, bob, "storage.objects.delete", data, NOW).is_empty());
}
