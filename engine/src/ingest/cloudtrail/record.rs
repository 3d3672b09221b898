//! The fields of a CloudTrail record whittle reads, borrowed from the input where possible.
//! Everything else in a record is skipped without being materialised.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A string borrowed from the input when it has no escapes (a newtype: `Option<Cow<str>>` alone
/// would always allocate).
#[derive(Debug, Deserialize)]
pub(crate) struct S<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl S<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn opt<'x>(s: &'x Option<S<'_>>) -> Option<&'x str> {
    s.as_ref().map(S::as_str).filter(|s| !s.is_empty())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record<'a> {
    #[serde(borrow, default)]
    pub event_time: Option<S<'a>>,
    /// Logstash/Elastic exports replace `eventTime` with `@timestamp`.
    #[serde(borrow, default, rename = "@timestamp")]
    pub at_timestamp: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_source: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_name: Option<S<'a>>,
    #[serde(borrow, default)]
    pub aws_region: Option<S<'a>>,
    #[serde(borrow, default)]
    pub recipient_account_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub error_code: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_type: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_category: Option<S<'a>>,
    #[serde(default)]
    pub management_event: Option<bool>,
    #[serde(borrow, default)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow, default)]
    pub request_parameters: super::resources::ParamsField<'a>,
    #[serde(borrow, default)]
    pub resources: Option<Vec<ResourceRef<'a>>>,
    #[serde(borrow, default, rename = "eventID")]
    pub event_id: Option<S<'a>>,
    #[serde(borrow, default, rename = "sourceIPAddress")]
    pub source_ip_address: Option<S<'a>>,
    /// Kept as text: its shape varies by event; read only for high-risk events.
    #[serde(borrow, default)]
    pub additional_event_data: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserIdentity<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<S<'a>>,
    #[serde(borrow, default)]
    pub principal_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub arn: Option<S<'a>>,
    #[serde(borrow, default)]
    pub account_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub user_name: Option<S<'a>>,
    #[serde(borrow, default)]
    pub access_key_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub invoked_by: Option<S<'a>>,
    #[serde(borrow, default)]
    pub identity_provider: Option<S<'a>>,
    #[serde(borrow, default)]
    pub session_context: Option<SessionContext<'a>>,
    #[serde(borrow, default)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionContext<'a> {
    #[serde(borrow, default)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow, default)]
    pub source_identity: Option<S<'a>>,
    /// Kept as text (`mfaAuthenticated`, `creationDate`): read only for high-risk events.
    #[serde(borrow, default)]
    pub attributes: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionIssuer<'a> {
    #[serde(borrow, default)]
    pub arn: Option<S<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OnBehalfOf<'a> {
    #[serde(borrow, default)]
    pub user_id: Option<S<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResourceRef<'a> {
    #[serde(borrow, default, rename = "ARN")]
    pub arn: Option<S<'a>>,
}

/// Reads a delivery file, `{"Records": [...]}`, handing each record to `each` as soon as it is
/// parsed (record index, record): no list of records is built. Fails like a typed parse would —
/// invalid JSON, a record of the wrong shape, no `Records` — and may have handed out records
/// before failing, so callers count into a summary they can drop.
pub(crate) fn each_delivery_record<'a>(
    text: &'a str,
    each: impl FnMut(usize, Record<'a>),
) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    DeliveryFile(each).deserialize(&mut de)?;
    de.end()
}

/// [`each_delivery_record`] for a delivery file that opens with its `Records` array and ends
/// with it (`{"Records":[…]}`, as CloudTrail writes them), handing `each` every record's text
/// too: the records of high-risk events are kept whole without reading the file again. `None`
/// when the file is not of that shape, or is not valid: read it with [`each_delivery_record`]
/// (records may have been handed out already, as there).
pub(crate) fn each_delivery_record_with_text<'a>(
    text: &'a str,
    mut each: impl FnMut(usize, &'a str, Record<'a>),
) -> Option<()> {
    let b = text.as_bytes();
    let ws = |mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
        }
        i
    };
    let expect = |i: usize, lit: &[u8]| -> Option<usize> {
        let i = ws(i);
        b.get(i..i + lit.len())
            .filter(|s| *s == lit)
            .map(|_| i + lit.len())
    };
    let mut pos = expect(0, b"{")
        .and_then(|i| expect(i, b"\"Records\""))
        .and_then(|i| expect(i, b":"))
        .and_then(|i| expect(i, b"["))?;
    let mut index = 0;
    if let Some(after) = expect(pos, b"]") {
        pos = after;
    } else {
        loop {
            let start = ws(pos);
            let mut stream =
                serde_json::Deserializer::from_str(&text[start..]).into_iter::<Record<'a>>();
            let rec = stream.next()?.ok()?;
            let end = start + stream.byte_offset();
            each(index, &text[start..end], rec);
            index += 1;
            if let Some(after) = expect(end, b",") {
                pos = after;
            } else {
                pos = expect(end, b"]")?;
                break;
            }
        }
    }
    let end = expect(pos, b"}")?;
    (ws(end) == b.len()).then_some(())
}

struct DeliveryFile<F>(F);

impl<'de, F: FnMut(usize, Record<'de>)> DeserializeSeed<'de> for DeliveryFile<F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, Record<'de>)> Visitor<'de> for DeliveryFile<F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CloudTrail delivery file")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut m: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = m.next_key::<S<'de>>()? {
            if key.as_str() == "Records" && !seen {
                seen = true;
                m.next_value_seed(Records(&mut self.0))?;
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        if seen {
            Ok(())
        } else {
            Err(serde::de::Error::missing_field("Records"))
        }
    }
}

struct Records<'f, F>(&'f mut F);

impl<'de, F: FnMut(usize, Record<'de>)> DeserializeSeed<'de> for Records<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, Record<'de>)> Visitor<'de> for Records<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(rec) = s.next_element::<Record<'de>>()? {
            (self.0)(i, rec);
            i += 1;
        }
        Ok(())
    }
}

/// What a top-level JSON value is, found without parsing its contents.
#[derive(Deserialize, Default)]
pub(crate) struct Probe<'a> {
    #[serde(borrow, default, rename = "Records")]
    pub records: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "Events")]
    pub events: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "CloudTrailEvent")]
    pub cloudtrail_event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub detail: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "detail-type")]
    pub detail_type: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "eventName")]
    pub event_name: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "eventSource")]
    pub event_source: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "digestStartTime")]
    pub digest_start_time: Option<&'a RawValue>,
}

/// Hands `each` the text of the delivery file's records 0..=`last` (index, record), and stops
/// reading there: records after the last one wanted are not even scanned.
pub(crate) fn raw_records_until<'a>(
    text: &'a str,
    last: usize,
    each: impl FnMut(usize, &'a RawValue),
) {
    let mut de = serde_json::Deserializer::from_str(text);
    // stopping early ends the parse with an error of our own: nothing to report
    let _ = RawDelivery { last, each }.deserialize(&mut de);
}

struct RawDelivery<F> {
    last: usize,
    each: F,
}

const ENOUGH: &str = "whittle: enough records";

impl<'de, F: FnMut(usize, &'de RawValue)> DeserializeSeed<'de> for RawDelivery<F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, &'de RawValue)> Visitor<'de> for RawDelivery<F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CloudTrail delivery file")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut m: A) -> Result<(), A::Error> {
        while let Some(key) = m.next_key::<S<'de>>()? {
            if key.as_str() == "Records" {
                return m.next_value_seed(RawRecords {
                    last: self.last,
                    each: &mut self.each,
                });
            }
            m.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct RawRecords<'f, F> {
    last: usize,
    each: &'f mut F,
}

impl<'de, F: FnMut(usize, &'de RawValue)> DeserializeSeed<'de> for RawRecords<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, &'de RawValue)> Visitor<'de> for RawRecords<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(rec) = s.next_element::<&'de RawValue>()? {
            (self.each)(i, rec);
            if i >= self.last {
                return Err(serde::de::Error::custom(ENOUGH));
            }
            i += 1;
        }
        Ok(())
    }
}
