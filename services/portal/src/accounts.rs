//! City IT's staff accounts in the portal's own database: create one (role, unit and, for an
//! officer or head, department), change its role, unit, department or whether it may sign in,
//! and set a new password. Each change ends the account's sessions and is written to the
//! audit trail; a city administrator cannot take their own access away.

use crate::actions::*;
use crate::identity::{self, Account};
use crate::work::Session;
use doithoai_auth::Role;
use doithoai_web::Core;
use serde_json::{Value, json};
use std::collections::HashMap;

const CITY: &[Role] = &[Role::CityAdmin];

/// A sign-in name as it may stand in a path.
pub fn username_ok(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
}

fn scope_fields() -> Vec<Field> {
    vec![
        choice("role", "Vai trò", "Role", role_choices()).required(),
        line(
            "unit",
            "Đơn vị (mã phường, xã, sở; hanoi cho vai trò toàn Thành phố)",
            "Unit (ward, commune or body code; hanoi for city-wide roles)",
            64,
        )
        .required(),
        choice(
            "department",
            "Phòng (chỉ chuyên viên, trưởng phòng)",
            "Department (officers and heads only)",
            crate::reference::DEPARTMENTS
                .iter()
                .map(|d| Choice::new(&d.code, &d.name_vi, &d.name_en))
                .collect(),
        ),
    ]
}

/// The actions of the accounts list (`record` empty) or of one account.
pub fn actions(record: &str) -> Vec<Action> {
    if record.is_empty() {
        let mut fields = vec![
            line("username", "Tên đăng nhập", "Sign-in name", 64).required(),
            line("display_name", "Họ tên", "Full name", 150).required(),
        ];
        fields.extend(scope_fields());
        fields.push(
            password(
                "password",
                "Mật khẩu (ít nhất 12 ký tự)",
                "Password (at least 12 characters)",
            )
            .required(),
        );
        return vec![action(
            "create",
            ("Tạo tài khoản", "Create an account"),
            Svc::Portal,
            Verb::Post,
            "",
            CITY,
            fields,
        )];
    }
    let mut fields = scope_fields();
    fields.push(flag("enabled", "Được đăng nhập", "May sign in"));
    vec![
        action(
            "update",
            (
                "Đổi vai trò, đơn vị, trạng thái",
                "Change role, unit, status",
            ),
            Svc::Portal,
            Verb::Put,
            "",
            CITY,
            fields,
        ),
        action(
            "reset",
            ("Đặt lại mật khẩu", "Reset the password"),
            Svc::Portal,
            Verb::Put,
            "",
            CITY,
            vec![
                password(
                    "password",
                    "Mật khẩu mới (ít nhất 12 ký tự)",
                    "New password (at least 12 characters)",
                )
                .required(),
            ],
        ),
    ]
}

/// What the accounts page (or one account's) shows; `None` for an unknown account.
pub async fn load(core: &Core, record: &str) -> anyhow::Result<Option<Value>> {
    let mut conn = core.pool.get().await?;
    let view = |a: &Account| {
        json!({"username": a.username, "display_name": a.display_name, "role": a.role,
               "unit": a.unit, "department": a.department, "enabled": a.enabled})
    };
    let trail = |rows: Vec<identity::TrailRow>| {
        rows.into_iter()
            .map(|(at, actor, action, subject, detail)| {
                json!({"at": doithoai_web::text::ts(at), "actor": actor, "action": action, "subject": subject, "detail": detail})
            })
            .collect::<Vec<_>>()
    };
    if record.is_empty() {
        let all = identity::accounts(&mut conn).await?;
        let recent = identity::trail(&mut conn, None, 30).await?;
        return Ok(Some(
            json!({"accounts": all.iter().map(view).collect::<Vec<_>>(), "trail": trail(recent)}),
        ));
    }
    let Some(a) = identity::account(&mut conn, record).await? else {
        return Ok(None);
    };
    let recent = identity::trail(&mut conn, Some(record), 30).await?;
    Ok(Some(json!({"account": view(&a), "trail": trail(recent)})))
}

fn problem(lang: &str, errors: Vec<(&str, &str, &str)>) -> Value {
    let pick = |vi: &str, en: &str| {
        if lang == "en" {
            en.to_owned()
        } else {
            vi.to_owned()
        }
    };
    json!({"title": pick("Dữ liệu không hợp lệ", "Invalid data"), "errors": errors.into_iter()
        .map(|(field, vi, en)| json!({"field": field, "message": pick(vi, en)})).collect::<Vec<_>>()})
}

/// Applies `action` of the accounts pages; `Err` is the problem to show beside the fields.
pub async fn apply(
    core: &Core,
    s: &Session,
    address: &str,
    action: &str,
    record: &str,
    form: &HashMap<String, String>,
) -> anyhow::Result<Result<(), Value>> {
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let lang = s.ctx.lang;
    let role = Role::parse(&get("role"));
    let unit = get("unit");
    let department = Some(get("department")).filter(|d| !d.is_empty());
    let mut conn = core.pool.get().await?;
    let actor = s.account.username.as_str();
    match action {
        "create" => {
            let username = get("username");
            let display = get("display_name");
            let pw = form.get("password").cloned().unwrap_or_default();
            let mut refused: Vec<(&str, &str, &str)> =
                identity::check_account(&username, role, &unit, department.as_deref(), Some(&pw))
                    .into_iter()
                    .map(|(f, _, vi, en)| (f, vi, en))
                    .collect();
            if display.is_empty() || display.chars().count() > 150 {
                refused.push((
                    "display_name",
                    "Họ tên 1–150 ký tự",
                    "A full name of 1–150 characters",
                ));
            }
            let (Some(role), true) = (role, refused.is_empty()) else {
                return Ok(Err(problem(lang, refused)));
            };
            let created = identity::create_account(
                &mut conn,
                &username,
                &display,
                &pw,
                role,
                &unit,
                department.as_deref(),
            )
            .await?;
            if created.is_none() {
                return Ok(Err(problem(
                    lang,
                    vec![(
                        "username",
                        "Tên đăng nhập này đã có",
                        "This sign-in name is taken",
                    )],
                )));
            }
            let detail = format!(
                "{} {}{}",
                role.as_str(),
                unit,
                department
                    .as_deref()
                    .map(|d| format!("/{d}"))
                    .unwrap_or_default()
            );
            identity::record(
                &mut conn,
                actor,
                "account_created",
                Some(&username),
                Some(address),
                Some(&detail),
            )
            .await?;
        }
        "update" => {
            let enabled = form.get("enabled").is_some_and(|v| !v.is_empty());
            let mut refused: Vec<(&str, &str, &str)> =
                identity::check_account(record, role, &unit, department.as_deref(), None)
                    .into_iter()
                    .map(|(f, _, vi, en)| (f, vi, en))
                    .collect();
            if record == actor && (!enabled || role != Some(Role::CityAdmin)) {
                refused.push((
                    "role",
                    "Không thể tự bỏ quyền quản trị của chính mình",
                    "You cannot take away your own city-admin access",
                ));
            }
            let (Some(role), true) = (role, refused.is_empty()) else {
                return Ok(Err(problem(lang, refused)));
            };
            if !identity::update_account(
                &mut conn,
                record,
                role,
                &unit,
                department.as_deref(),
                enabled,
            )
            .await?
            {
                return Ok(Err(problem(
                    lang,
                    vec![("username", "Không có tài khoản này", "No such account")],
                )));
            }
            let detail = format!(
                "{} {}{}{}",
                role.as_str(),
                unit,
                department
                    .as_deref()
                    .map(|d| format!("/{d}"))
                    .unwrap_or_default(),
                if enabled { "" } else { " disabled" }
            );
            identity::record(
                &mut conn,
                actor,
                "account_changed",
                Some(record),
                Some(address),
                Some(&detail),
            )
            .await?;
        }
        "reset" => {
            let pw = form.get("password").cloned().unwrap_or_default();
            if pw.chars().count() < identity::MIN_PASSWORD {
                return Ok(Err(problem(
                    lang,
                    vec![(
                        "password",
                        "Mật khẩu tối thiểu 12 ký tự",
                        "A password has at least 12 characters",
                    )],
                )));
            }
            if !identity::reset_password(&mut conn, record, &pw).await? {
                return Ok(Err(problem(
                    lang,
                    vec![("password", "Không có tài khoản này", "No such account")],
                )));
            }
            identity::record(
                &mut conn,
                actor,
                "password_reset",
                Some(record),
                Some(address),
                None,
            )
            .await?;
        }
        _ => anyhow::bail!("unknown account action {action}"),
    }
    Ok(Ok(()))
}
