//! Which department handles a submission: a unit's own rule for (field, content type), else its
//! rule for the field, else the field's default department for the unit's kind (ward or
//! commune) from the reference data.

/// A routing rule row: `unit` (None = every unit), `field`, optional `content_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub unit: Option<String>,
    pub field: String,
    pub content_type: Option<i16>,
    pub department: String,
}

/// The most specific rule for a submission, if any.
pub fn pick<'a>(
    rules: &'a [Rule],
    unit: &str,
    field: &str,
    content_type: Option<i16>,
) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| r.field == field)
        .filter(|r| r.unit.as_deref().is_none_or(|u| u == unit))
        .filter(|r| r.content_type.is_none() || r.content_type == content_type)
        .max_by_key(|r| (r.unit.is_some(), r.content_type.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(unit: Option<&str>, ct: Option<i16>, dept: &str) -> Rule {
        Rule {
            unit: unit.map(str::to_owned),
            field: "dat-dai".into(),
            content_type: ct,
            department: dept.into(),
        }
    }

    #[test]
    fn unit_override_wins_over_default_and_content_type_refines_it() {
        let rules = vec![
            rule(None, None, "kinh-te-ha-tang-do-thi"),
            rule(Some("phuong-lang"), None, "van-phong"),
            rule(Some("phuong-lang"), Some(4), "van-hoa-xa-hoi"),
        ];
        assert_eq!(
            pick(&rules, "phuong-ba-dinh", "dat-dai", Some(4))
                .unwrap()
                .department,
            "kinh-te-ha-tang-do-thi"
        );
        assert_eq!(
            pick(&rules, "phuong-lang", "dat-dai", Some(2))
                .unwrap()
                .department,
            "van-phong"
        );
        assert_eq!(
            pick(&rules, "phuong-lang", "dat-dai", Some(4))
                .unwrap()
                .department,
            "van-hoa-xa-hoi"
        );
        assert!(pick(&rules, "phuong-lang", "ho-tich", None).is_none());
    }
}
