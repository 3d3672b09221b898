//! Which CloudTrail events are high-risk activity — of the classes the rule set declares — and
//! the journal entry each of them becomes. What the operation alone decides (its name against
//! the classes' `events`) is worked out once per kind of event; what depends on the record (the
//! caller's identity type, MFA, the outcome, the resources) is looked at only for events that
//! could be of a class.

use super::record::{opt, Record};
use crate::glob::{compile, matches_toks, Tok};
use crate::model::{ActivityRules, JournalEntry, Outcome};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The rule set's activity classes, compiled.
#[derive(Debug, Default)]
pub struct Activity {
    classes: Vec<Class>,
    critical: Vec<Vec<Tok>>,
}

#[derive(Debug)]
struct Class {
    id: String,
    events: Vec<Vec<Tok>>,
    identity_types: Vec<String>,
    mfa: Option<bool>,
    critical: bool,
    outcome: Outcome,
}

impl Activity {
    /// Compiles `rules`.
    pub fn new(rules: &ActivityRules) -> Self {
        Activity {
            classes: rules
                .classes
                .iter()
                .map(|c| Class {
                    id: c.id.clone(),
                    events: c.events.iter().map(|e| compile(e)).collect(),
                    identity_types: c.identity_types.clone(),
                    mfa: c.mfa,
                    critical: c.critical_resources,
                    outcome: c.outcome,
                })
                .collect(),
            critical: rules
                .critical_resources
                .iter()
                .map(|p| compile(p))
                .collect(),
        }
    }

    /// True when no class can take any event.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The classes an event of this operation (`iam`, `CreateAccessKey`) may be of: those whose
    /// `events` it matches, and those that set no `events` (a class on critical resources only
    /// when some are listed).
    pub(crate) fn candidates(&self, service: &str, name: &str) -> Box<[u16]> {
        let op = format!("{service}:{name}");
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                if c.events.is_empty() {
                    !c.critical || !self.critical.is_empty()
                } else {
                    c.events.iter().any(|t| matches_toks(t, &op, true))
                }
            })
            .map(|(i, _)| i as u16)
            .collect()
    }

    /// The candidates whose criteria on the caller and the outcome `rec` meets (MFA looked up
    /// only when a candidate asks): usually none, and then nothing else is computed.
    pub(crate) fn first_pass(
        &self,
        candidates: &[u16],
        rec: &Record<'_>,
        denied: bool,
    ) -> Vec<u16> {
        let identity_type = rec
            .user_identity
            .as_ref()
            .and_then(|i| opt(&i.kind))
            .unwrap_or("");
        let mut mfa: Option<Option<bool>> = None;
        candidates
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.classes[usize::from(i)];
                (c.identity_types.is_empty()
                    || c.identity_types
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(identity_type)))
                    && match c.outcome {
                        Outcome::Any => true,
                        Outcome::Allowed => !denied,
                        Outcome::Denied => denied,
                    }
                    && c.mfa
                        .is_none_or(|m| *mfa.get_or_insert_with(|| mfa_of(rec)) == Some(m))
            })
            .collect()
    }

    /// True when one of `classes` needs the resources of the call.
    pub(crate) fn needs_resources(&self, classes: &[u16]) -> bool {
        classes
            .iter()
            .any(|&i| self.classes[usize::from(i)].critical)
    }

    /// The ids of `classes` (past the first pass) whose resource criterion `resources` meets.
    pub(crate) fn second_pass(&self, classes: &[u16], resources: &[String]) -> Vec<String> {
        classes
            .iter()
            .map(|&i| &self.classes[usize::from(i)])
            .filter(|c| {
                !c.critical
                    || resources
                        .iter()
                        .any(|r| self.critical.iter().any(|t| matches_toks(t, r, false)))
            })
            .map(|c| c.id.clone())
            .collect()
    }
}

/// Whether the caller used MFA, when the record says: a console sign-in's
/// `additionalEventData.MFAUsed`, else the session's `mfaAuthenticated`.
pub(crate) fn mfa_of(rec: &Record<'_>) -> Option<bool> {
    #[derive(Deserialize)]
    struct Additional<'a> {
        #[serde(borrow, default, rename = "MFAUsed")]
        mfa_used: Option<super::record::S<'a>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Attributes<'a> {
        #[serde(borrow, default)]
        mfa_authenticated: Option<super::record::S<'a>>,
    }
    fn parse(raw: Option<&RawValue>) -> Option<&str> {
        raw.map(RawValue::get)
    }
    if let Some(a) = parse(rec.additional_event_data)
        .and_then(|t| serde_json::from_str::<Additional>(t).ok())
        .and_then(|a| opt(&a.mfa_used).map(|v| v.eq_ignore_ascii_case("yes")))
    {
        return Some(a);
    }
    let attributes = rec
        .user_identity
        .as_ref()
        .and_then(|i| i.session_context.as_ref())
        .and_then(|c| c.attributes);
    parse(attributes)
        .and_then(|t| serde_json::from_str::<Attributes>(t).ok())
        .and_then(|a| opt(&a.mfa_authenticated).map(|v| v.eq_ignore_ascii_case("true")))
}

/// The person or session behind a call, when the record says: `sourceIdentity`, then an IAM
/// Identity Center user (`onBehalfOf`), then the role session's name.
pub(crate) fn actor_of(rec: &Record<'_>, session: Option<&str>) -> Option<String> {
    let id = rec.user_identity.as_ref()?;
    // a SAML or OIDC federation call: the federated user's name
    let federated = match opt(&id.kind) {
        Some("SAMLUser" | "WebIdentityUser") => opt(&id.user_name),
        _ => None,
    };
    id.session_context
        .as_ref()
        .and_then(|c| opt(&c.source_identity))
        .or_else(|| id.on_behalf_of.as_ref().and_then(|o| opt(&o.user_id)))
        .or(federated)
        .or(session)
        .map(str::to_string)
}

/// Compresses journal records (raw deflate), reusing one compressor's state from record to
/// record: a fresh compressor per record allocates its window and tables each time.
pub(crate) struct Zip(Option<libdeflater::Compressor>);

impl Zip {
    pub(crate) fn new() -> Self {
        Zip(None)
    }

    /// The original text of a record, deflate-compressed.
    pub(crate) fn compress(&mut self, raw: &str) -> Vec<u8> {
        let c = self.0.get_or_insert_with(|| {
            libdeflater::Compressor::new(libdeflater::CompressionLvl::fastest())
        });
        let mut out = vec![0; c.deflate_compress_bound(raw.len())];
        match c.deflate_compress(raw.as_bytes(), &mut out) {
            Ok(n) => {
                out.truncate(n);
                out
            }
            // the bound is always enough; should it not be, the stored form is still deflate
            Err(_) => stored(raw.as_bytes()),
        }
    }
}

/// `data` as deflate "stored" blocks (no compression).
fn stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_535 * 5 + 5);
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        return vec![1, 0, 0, 0xff, 0xff];
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let n = chunk.len() as u16;
        out.extend(n.to_le_bytes());
        out.extend((!n).to_le_bytes());
        out.extend(chunk);
    }
    out
}

/// The text of a compressed record.
pub fn decompress(record: &[u8]) -> Result<String, String> {
    use std::io::Read;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(record)
        .read_to_string(&mut out)
        .map_err(|e| format!("journal record: {e}"))?;
    Ok(out)
}

/// The event id of a record without `eventID`: a hash of its text, so a second read keeps it
/// once all the same.
pub(crate) fn synthetic_id(raw: &str) -> String {
    format!("whittle:{:016x}", crate::model::name_id(raw))
}

/// Fills in each entry of `entries` whose record is missing (read in the one-pass path) from
/// the delivery file's `Records[index]`.
pub(crate) fn fill_records(text: &str, entries: &mut [(usize, JournalEntry)], zip: &mut Zip) {
    let Some(last) = entries.iter().map(|(i, _)| *i).max() else {
        return;
    };
    // records past the last one wanted are not scanned again
    let mut wanted: Vec<Option<&RawValue>> = vec![None; last + 1];
    super::record::raw_records_until(text, last, |i, raw| wanted[i] = Some(raw));
    for (i, e) in entries.iter_mut() {
        if let Some(raw) = wanted.get(*i).copied().flatten() {
            e.record = zip.compress(raw.get());
            if e.event_id.is_empty() {
                e.event_id = synthetic_id(raw.get());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_behind_a_call_is_the_source_identity_the_sso_user_or_the_federated_user() {
        let actor = |identity: &str, session: Option<&str>| {
            let text = format!(r#"{{"userIdentity":{identity},"eventName":"X"}}"#);
            let rec: Record<'_> = serde_json::from_str(&text).expect("record");
            actor_of(&rec, session)
        };
        assert_eq!(
            actor(
                r#"{"type":"SAMLUser","principalId":"SAMLE:alice@example.com","userName":"alice@example.com","identityProvider":"Okta"}"#,
                None
            )
            .as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            actor(
                r#"{"type":"AssumedRole","sessionContext":{"sourceIdentity":"octocat"}}"#,
                Some("deploy-1")
            )
            .as_deref(),
            Some("octocat")
        );
        assert_eq!(
            actor(r#"{"type":"AssumedRole"}"#, Some("bob@example.com")).as_deref(),
            Some("bob@example.com")
        );
        assert_eq!(actor(r#"{"type":"IAMUser","userName":"ci"}"#, None), None);
    }

    #[test]
    fn records_compress_and_come_back_whole() {
        let mut zip = Zip::new();
        for text in ["", "{}", &"{\"eventName\":\"StopLogging\"}".repeat(5000)] {
            assert_eq!(decompress(&zip.compress(text)).as_deref(), Ok(text));
            assert_eq!(decompress(&stored(text.as_bytes())).as_deref(), Ok(text));
        }
    }
}
