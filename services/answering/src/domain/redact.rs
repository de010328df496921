//! The public version of a question and its answer: `doithoai_redact` with the submitter's name,
//! organisation and address, and the names the officer marked in the draft. Consent to publish
//! one's identity keeps the submitter's name and address, never contact details.

use doithoai_contracts::SubmitterV1;
use doithoai_redact::Known;

/// What to redact for: the submitter and the names the officer marked.
pub fn known(submitter: &SubmitterV1, private_names: &[String]) -> Known {
    Known {
        own_names: std::iter::once(submitter.name.clone())
            .chain(submitter.organization.clone())
            .collect(),
        own_addresses: vec![submitter.address.clone()],
        other_names: private_names.to_vec(),
    }
}

/// `text` without personal data.
///
/// ```
/// use doithoai_contracts::SubmitterV1;
/// let s = SubmitterV1 { kind: "individual".into(), name: "Nguyễn Văn An".into(), organization: None,
///     address: "12 phố Láng".into(), phone: Some("+84912345678".into()), email: None };
/// let known = answering::domain::redact::known(&s, &[]);
/// let out = answering::domain::redact::redact("Tôi là Nguyen Van An, ĐT 0912 345 678", &known, false);
/// assert!(!out.contains("Van An") && !out.contains("345"));
/// ```
pub fn redact(text: &str, known: &Known, consented: bool) -> String {
    doithoai_redact::redact(text, known, consented).text
}
