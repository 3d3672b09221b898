use super::*;
use crate::azure::summary::summarize;
use crate::azure::RoleSource;
use std::path::Path;

fn load(names: &[&str]) -> LoadReport {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/azure/rbac");
    load_files(&names.iter().map(|n| dir.join(n)).collect::<Vec<_>>())
}

#[test]
fn assignments_definitions_and_deny_assignments_from_az_and_arm() {
    let r = load(&[
        "role-assignments-az-cli.json",
        "role-definitions-az-cli.json",
        "arm-rest-deny-and-assignments.json",
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let s = &r.snapshot;
    // the duplicate listing counts once; the ARM one is added
    assert_eq!(s.assignments.len(), 10);
    // built-in definitions are the catalog's: only the custom ones are kept
    assert_eq!(s.custom_roles.len(), 2);
    assert_eq!(s.deny_assignments.len(), 1);
    assert_eq!(s.deny_assignments[0].exclude_principals.len(), 1);
    let deployer = s
        .assignments
        .iter()
        .find(|a| a.role_name.as_deref() == Some("App Deployer"))
        .expect("custom");
    assert!(matches!(s.role_of(deployer), RoleSource::Custom(r) if r.name == "App Deployer"));
    let owner = &s.assignments[0];
    assert!(matches!(s.role_of(owner), RoleSource::BuiltIn(r) if r.name == "Owner"));
    // the ABAC condition is kept verbatim
    assert!(s.assignments.iter().any(|a| a
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("StringEquals 'reports'"))));
    // an ARM assignment has no names: the type is kept, the name not invented
    let arm = s.assignments.last().expect("arm");
    assert_eq!(
        (arm.principal_name.as_deref(), arm.principal_type.as_str()),
        (None, "ServicePrincipal")
    );
}

#[test]
fn the_assignments_to_look_at_first() {
    let r = load(&[
        "role-assignments-az-cli.json",
        "role-definitions-az-cli.json",
    ]);
    let s = summarize(&r.snapshot);
    let privileged: Vec<(&str, &str)> = s
        .privileged
        .iter()
        .map(|l| (l.principal.as_str(), l.reason.as_str()))
        .collect();
    assert_eq!(
        privileged,
        [
            ("alice@contoso.com", "Owner on a subscription"),
            ("ci-deployer", "may write role assignments (Microsoft.Authorization/roleAssignments/write) on a subscription"),
            ("ci-deployer", "Contributor on a management group"),
            ("platform-admins", "User Access Administrator on a subscription"),
        ]
    );
    assert_eq!(s.wildcard_custom_roles, ["Everything Operator"]);
    assert_eq!(s.deleted_principals.len(), 1);
    assert_eq!(
        s.deleted_principals[0].principal,
        "eeeeeeee-0000-4000-8000-000000000005"
    );
    assert_eq!(s.unknown_roles, ["Legacy Custom"]);
    assert_eq!(s.principals.get("ServicePrincipal"), Some(&3));
}

#[test]
fn bad_items_are_named_and_the_rest_is_read() {
    let r = load(&["bad-assignments.json"]);
    let errors: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains(".value[0]") && errors[0].contains("`roleDefinitionId` is not a string"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains(".value[1]") && errors[1].contains("not an Azure RBAC export"),
        "{errors:?}"
    );
    assert_eq!(r.snapshot.assignments.len(), 1);
}

/// Cloud Custodian's recorded ARM responses (`$WHITTLE_DATASETS`); skipped when unset.
#[test]
fn conformance_real_azure_rbac() {
    let Some(root) = std::env::var_os("WHITTLE_DATASETS").map(PathBuf::from) else {
        return;
    };
    let dir = root.join("cloud-custodian/azure");
    let r = load_files(&[
        dir.join("role_assignments.json"),
        dir.join("role_definitions.json"),
    ]);
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert_eq!(r.snapshot.assignments.len(), 74);
    assert_eq!(r.snapshot.custom_roles.len(), 11);
    let s = summarize(&r.snapshot);
    assert!(!s.privileged.is_empty());
    assert!(is_azure_file(&dir.join("role_assignments.json")));
}

/// The management-group tree (`az account management-group show --expand --recurse`): an
/// assignment on a group covers the subscriptions under it, and only those.
#[test]
fn management_groups_cover_their_subscriptions() {
    let r = load(&[
        "role-assignments-az-cli.json",
        "management-groups-az-cli.json",
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let s = &r.snapshot;
    let prod = "/providers/Microsoft.Management/managementGroups/contoso-prod";
    let sub = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app-rg";
    assert!(s.covers(prod, sub));
    assert!(!s.covers(prod, "/subscriptions/99999999-0000-4000-8000-000000000099"));
    // the root group covers every subscription through its children
    let root =
        "/providers/Microsoft.Management/managementGroups/72f988bf-0000-4000-8000-000000000000";
    assert!(s.covers(
        root,
        "/subscriptions/99999999-0000-4000-8000-000000000099/resourceGroups/x"
    ));
    assert_eq!(
        s.subscriptions_under(prod),
        ["/subscriptions/11111111-2222-3333-4444-555555555555"]
    );
    // without the tree, a group is known to cover nothing but itself
    let bare = load(&["role-assignments-az-cli.json"]);
    assert!(!bare.snapshot.covers(prod, sub));
}
