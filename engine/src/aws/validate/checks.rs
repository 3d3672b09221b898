//! The built-in policy checks: stable ids, severities and the words `whittle rules explain ID`
//! shows. The checks themselves are in `mod.rs`.

use crate::model::Severity;

/// One built-in policy check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable id (`policy-unknown-action`).
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it flags, one line.
    pub message: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
}

macro_rules! checks {
    ($($name:ident = $id:literal, $sev:ident, $msg:literal, $why:literal, $fix:literal;)*) => {
        $(
            #[doc = $msg]
            pub const $name: Check = Check {
                id: $id,
                severity: Severity::$sev,
                message: $msg,
                why: $why,
                remediation: $fix,
            };
        )*
        /// Every check, in id order.
        pub const ALL: &[Check] = &[$($name),*];
    };
}

checks! {
    ALLOW_NOT_ACTION = "policy-allow-with-not-action", Medium,
        "an `Allow` statement uses `NotAction`",
        "`Allow` with `NotAction` grants every action except those listed, including every action AWS adds later: the grant grows without anyone changing the policy",
        "list the actions to allow in `Action`; keep `NotAction` for `Deny` statements";
    ALLOW_NOT_RESOURCE = "policy-allow-with-not-resource", Medium,
        "an `Allow` statement uses `NotResource`",
        "`Allow` with `NotResource` grants the actions on every resource except those listed, including resources created later and in other accounts",
        "list the resources to allow in `Resource`";
    CONDITION_KEY_NOT_SUPPORTED = "policy-condition-key-not-supported", Medium,
        "a condition key that none of the statement's actions supports",
        "a condition on a key the request never carries is absent at evaluation time: `StringEquals` on it is false (the statement never applies), a negated operator is true (the restriction never applies)",
        "use a key the actions support (`whittle catalog show ACTION` lists them) or a global `aws:` key, or move the actions that support it into their own statement";
    CONDITION_TYPE_MISMATCH = "policy-condition-type-mismatch", Medium,
        "a condition operator that does not fit its key's type or values",
        "AWS compares values by the operator's type: `Bool` on a string key, a date operator on a number, `IpAddress` with a value that is not an address — such conditions never match, or match what was not meant",
        "use the operator family of the key's type (String, Numeric, Date, Bool, IpAddress, Arn) and values of that type";
    ATTACHED_NOT_READ = "policy-attached-not-read", Info,
        "a managed policy the change attaches whose document is not among the inputs",
        "an AWS-managed policy (`arn:aws:iam::aws:policy/…`) or one created elsewhere is attached by ARN: without its document whittle cannot say what it grants, so neither the rules nor the access diff count it",
        "give the account's snapshot with `--snapshot` (it holds every managed policy attached in the account, AWS-managed ones included)";
    DUPLICATE_SID = "policy-duplicate-sid", Low,
        "two statements share a `Sid`",
        "AWS rejects identity policies whose statement ids repeat, and reviewers cannot tell the statements apart",
        "give each statement its own `Sid`";
    INVALID_SID = "policy-invalid-sid", Low,
        "a `Sid` with characters IAM does not accept",
        "IAM identity and trust policies accept only ASCII letters and digits in a `Sid`: AWS rejects the policy",
        "remove spaces, dashes and other punctuation from the `Sid`";
    KNOWN_AFTER_APPLY = "policy-known-after-apply", Info,
        "a policy document Terraform knows only after apply",
        "the plan holds no value for it yet (it is built from attributes computed at apply time), so it cannot be validated or held to the rules before merge",
        "render the document from values known at plan time (`aws_iam_policy_document` over literal ARNs and names), or check the applied account with `whittle check --snapshot` afterwards";
    MALFORMED_ARN = "policy-malformed-arn", High,
        "a `Resource` that is neither `*` nor an ARN",
        "AWS rejects a resource that is not `arn:partition:service:region:account:resource`; one that parses but names the wrong service matches nothing",
        "write the full ARN (`arn:aws:s3:::bucket/*`), or `*`";
    MISPLACED_ELEMENT = "policy-misplaced-element", High,
        "an element that does not belong in this type of policy",
        "identity policies take no `Principal`; resource and trust policies need one; identity and resource policies need a `Resource`: AWS rejects the policy",
        "move the statement to the policy type it was written for, or add or remove the element";
    PERMISSIONS_MANAGEMENT_WILDCARD = "policy-permissions-management-wildcard", High,
        "permission-management actions granted through a wildcard",
        "`iam:*`, `*` or `s3:Put*Policy` hand out the actions that change who may do what — policy writes, trust changes, resource-policy rewrites — including ones AWS adds later",
        "name the permission-management actions the principal needs, on the resources it manages";
    REDUNDANT_STATEMENT = "policy-redundant-statement", Low,
        "a statement that another statement of the policy already covers",
        "every action and resource of the statement is granted unconditionally by another one: it adds nothing, and a later edit of one of the two will not do what the author expects",
        "remove the redundant statement, or merge the two";
    RESOURCE_ON_UNSCOPABLE_ACTION = "policy-resource-on-unscopable-action", Low,
        "a specific resource on an action that supports only `*`",
        "actions without resource-level permissions are authorised only against `Resource: \"*\"`: a statement naming specific ARNs never grants them",
        "move the action to a statement with `Resource: \"*\"` (and conditions where it supports some)";
    RESOURCE_STAR_ON_WRITE = "policy-resource-star-on-write", Medium,
        "a write or permission-management action on every resource, though it supports resource-level scoping",
        "`Resource: \"*\"` lets the holder change or delete every resource of that type, in every account the policy reaches, including ones created later",
        "name the resources (ARNs or ARN patterns) the principal changes";
    RESOURCE_TYPE_MISMATCH = "policy-resource-type-mismatch", Medium,
        "a resource ARN that matches none of the action's resource types",
        "AWS matches each action against the resource it acts on: an ARN of another type (a bucket ARN for `s3:GetObject`, which acts on objects) never matches, so the statement does not grant what it seems to",
        "use the ARN format of the action's resource type (`whittle catalog show ACTION`), such as `arn:aws:s3:::bucket/*` for object actions";
    SHADOWED_BY_DENY = "policy-shadowed-by-deny", Low,
        "an `Allow` statement that a `Deny` of the same policy entirely overrides",
        "every action and resource the statement allows is denied unconditionally by another statement: it grants nothing, and reads as if it did",
        "remove the statement, or narrow the `Deny` if the access was meant to be granted";
    SYNTAX = "policy-syntax", High,
        "a policy document AWS would reject",
        "invalid JSON, an unknown element, a wrong type or value: the policy cannot be created, or a tool that skips the error checks something else than what is deployed",
        "fix the document at the position shown";
    TRUST_ANY_PRINCIPAL = "policy-trust-any-principal", Critical,
        "a trust policy lets any principal assume the role",
        "`Principal: *` (or `NotPrincipal`) in an `Allow` of a trust policy without conditions lets every AWS account, and for web identity every token holder, assume the role",
        "name the accounts, roles or services that assume the role, or pin the caller with conditions (`aws:PrincipalOrgID`, `sts:ExternalId`, the provider's `aud`/`sub`)";
    UNKNOWN_ACTION = "policy-unknown-action", High,
        "an action that does not exist",
        "a misspelt or retired action grants nothing: the statement does not do what its author meant, and a `Deny` on it protects nothing",
        "use the action's exact name (`whittle catalog expand 'service:*'` lists them)";
    UNKNOWN_CONDITION_OPERATOR = "policy-unknown-condition-operator", High,
        "a condition operator that does not exist",
        "AWS rejects a policy with an unknown condition operator",
        "use one of AWS's operators (`StringEquals`, `ArnLike`, `Bool`, `IpAddress`, … with `IfExists` and `ForAllValues:`/`ForAnyValue:`)";
    UNKNOWN_SERVICE = "policy-unknown-service", High,
        "an action of a service that does not exist",
        "a misspelt service prefix grants nothing",
        "use the service's IAM prefix (`s3`, `dynamodb`, `kms`)";
    VARIABLES_NEED_VERSION = "policy-variables-need-version", Medium,
        "policy variables in a document without `Version: 2012-10-17`",
        "without `\"Version\": \"2012-10-17\"` AWS reads `${aws:username}` literally: the statement matches a resource named `${aws:username}` and nothing else",
        "add `\"Version\": \"2012-10-17\"` at the top of the document";
}

/// The check with id `id`.
pub fn find(id: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| c.id == id)
}
