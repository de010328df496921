//! Staff identity: accounts (argon2id password hashes; role, unit and department; enabled or
//! not), sessions (a random cookie token, stored only as its SHA-256, with the CSRF token its
//! forms carry), sign-in throttling per account and per address, and the audit trail of
//! sign-ins and account changes.

use crate::store::schema::{accounts, audit, sessions, signin_failures};
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_auth::Role;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A session lasts a working day at most.
pub const SESSION_HOURS: i64 = 8;
/// Failed sign-ins counted over this window...
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// ...lock the account once they reach this many...
pub const FAILURES_PER_ACCOUNT: i64 = 5;
/// ...and the address once it reaches this many (several accounts tried from one place).
pub const FAILURES_PER_ADDRESS: i64 = 20;
/// Passwords: at least this many characters.
pub const MIN_PASSWORD: usize = 12;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub unit: String,
    pub department: Option<String>,
    pub enabled: bool,
}

impl Account {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The argon2id hash of `password` (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Whether `password` matches `hash`.
///
/// ```
/// let h = portal::identity::hash_password("mật khẩu đủ dài").unwrap();
/// assert!(h.starts_with("$argon2id$"));
/// assert!(portal::identity::verify_password("mật khẩu đủ dài", &h));
/// assert!(!portal::identity::verify_password("mật khẩu khác", &h));
/// ```
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of a password nobody has: what an unknown username is checked against, so a
/// sign-in takes as long whether the account exists or not.
static DECOY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

/// Why an account's fields are refused: (field, code, Vietnamese, English).
pub type Refusal = (&'static str, &'static str, &'static str, &'static str);

/// Checks a new account's fields: a sign-in name of a–z, 0–9, `.`, `_`, `-` (3–64); a role;
/// a unit the role may hold (`doithoai_auth::scope_allowed`); a department exactly when the
/// role works in one; a password of at least [`MIN_PASSWORD`] characters.
pub fn check_account(
    username: &str,
    role: Option<Role>,
    unit: &str,
    department: Option<&str>,
    password: Option<&str>,
) -> Vec<Refusal> {
    let mut refused = Vec::new();
    let name_ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if !name_ok {
        refused.push((
            "username",
            "invalid",
            "Tên đăng nhập 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch",
            "Sign-in name: 3–64 lower-case letters, digits, dots, dashes",
        ));
    }
    match role {
        None => refused.push((
            "role",
            "unknown_value",
            "Vai trò không hợp lệ",
            "Unknown role",
        )),
        Some(r) => {
            if !doithoai_auth::scope_allowed(r, unit) {
                refused.push((
                    "unit",
                    "unknown_unit",
                    "Đơn vị không phù hợp với vai trò",
                    "This unit does not fit the role",
                ));
            }
            let fits = match (department, r.is_department_scoped()) {
                (Some(d), true) => doithoai_auth::is_department(d),
                (None, scoped) => !scoped,
                (Some(_), false) => false,
            };
            if !fits {
                refused.push((
                    "department",
                    "department_mismatch",
                    "Chuyên viên và trưởng phòng cần phòng của mình; vai trò khác thì không",
                    "Officers and heads need their department; other roles have none",
                ));
            }
        }
    }
    if password.is_some_and(|p| p.chars().count() < MIN_PASSWORD) {
        refused.push((
            "password",
            "too_short",
            "Mật khẩu tối thiểu 12 ký tự",
            "A password has at least 12 characters",
        ));
    }
    refused
}

pub async fn create_account(
    conn: &mut AsyncPgConnection,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    unit: &str,
    department: Option<&str>,
) -> anyhow::Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let hash = hash_password(password)?;
    let n = diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(id),
            accounts::username.eq(username),
            accounts::display_name.eq(display_name),
            accounts::password_hash.eq(hash),
            accounts::role.eq(role.as_str()),
            accounts::unit.eq(unit),
            accounts::department.eq(department),
        ))
        .on_conflict(accounts::username)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok((n == 1).then_some(id))
}

pub async fn record(
    conn: &mut AsyncPgConnection,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    address: Option<&str>,
    detail: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(audit::table)
        .values((
            audit::actor.eq(actor),
            audit::action.eq(action),
            audit::subject.eq(subject),
            audit::address.eq(address),
            audit::detail.eq(detail),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// What a sign-in came to.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    /// A new session: the cookie token.
    Opened(String),
    /// Wrong name or password, or a disabled account (never said which).
    Refused,
    /// Too many failures lately for this account or address: not even checked.
    Throttled,
}

/// Checks `username` and `password` from `address`; opens a session when they match an
/// enabled account. Every outcome goes to the audit trail.
pub async fn sign_in(
    conn: &mut AsyncPgConnection,
    username: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<SignIn> {
    let username = username.trim().to_lowercase();
    let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let by_account: i64 = signin_failures::table
        .filter(signin_failures::username.eq(&username))
        .filter(signin_failures::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    let by_address: i64 = signin_failures::table
        .filter(signin_failures::address.eq(address))
        .filter(signin_failures::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    if by_account >= FAILURES_PER_ACCOUNT || by_address >= FAILURES_PER_ADDRESS {
        record(
            conn,
            &username,
            "signin_throttled",
            Some(&username),
            Some(address),
            None,
        )
        .await?;
        return Ok(SignIn::Throttled);
    }
    let account: Option<Account> = accounts::table
        .filter(accounts::username.eq(&username))
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()?;
    let hash = account
        .as_ref()
        .map_or(DECOY.as_str(), |a| a.password_hash.as_str());
    let matches = verify_password(password, hash);
    let Some(account) = account.filter(|a| matches && a.enabled && a.role().is_some()) else {
        diesel::insert_into(signin_failures::table)
            .values((
                signin_failures::username.eq(&username),
                signin_failures::address.eq(address),
                signin_failures::at.eq(now),
            ))
            .execute(conn)
            .await?;
        record(
            conn,
            &username,
            "signin_failed",
            Some(&username),
            Some(address),
            None,
        )
        .await?;
        return Ok(SignIn::Refused);
    };
    let token = random_token();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(sha256(&token)),
            sessions::account_id.eq(account.id),
            sessions::csrf.eq(random_token()),
            sessions::expires_at.eq(now + Duration::hours(SESSION_HOURS)),
        ))
        .execute(conn)
        .await?;
    record(
        conn,
        &account.username,
        "signed_in",
        Some(&account.username),
        Some(address),
        None,
    )
    .await?;
    Ok(SignIn::Opened(token))
}

/// The signed-in account of a session cookie token (enabled, session not expired), with the
/// session's CSRF token.
pub async fn session(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<(Account, String)>> {
    sessions::table
        .inner_join(accounts::table)
        .filter(sessions::token_hash.eq(sha256(token)))
        .filter(sessions::expires_at.gt(now))
        .filter(accounts::enabled.eq(true))
        .select((Account::as_select(), sessions::csrf))
        .first(conn)
        .await
        .optional()
}

/// Ends a session.
pub async fn sign_out(conn: &mut AsyncPgConnection, token: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(sha256(token))))
        .execute(conn)
        .await
}

/// Deletes expired sessions and failures older than the window.
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let now = Utc::now();
    let a = diesel::delete(sessions::table.filter(sessions::expires_at.lt(now)))
        .execute(conn)
        .await?;
    let b = diesel::delete(
        signin_failures::table.filter(signin_failures::at.lt(now - Duration::days(1))),
    )
    .execute(conn)
    .await?;
    Ok(a + b)
}

/// Every account, by sign-in name.
pub async fn accounts(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Account>> {
    accounts::table
        .order(accounts::username)
        .select(Account::as_select())
        .load(conn)
        .await
}

/// One account by sign-in name.
pub async fn account(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()
}

/// An audit entry: when, who, what, about whom, and any detail.
pub type TrailRow = (
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// The newest entries of the audit trail about `subject` (all when `None`).
pub async fn trail(
    conn: &mut AsyncPgConnection,
    subject: Option<&str>,
    limit: i64,
) -> QueryResult<
    Vec<(
        DateTime<Utc>,
        String,
        String,
        Option<String>,
        Option<String>,
    )>,
> {
    let mut q = audit::table
        .order(audit::seq.desc())
        .limit(limit)
        .select((
            audit::at,
            audit::actor,
            audit::action,
            audit::subject,
            audit::detail,
        ))
        .into_boxed();
    if let Some(s) = subject {
        q = q.filter(audit::subject.eq(s.to_owned()));
    }
    q.load(conn).await
}

async fn account_id(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<Uuid>> {
    accounts::table
        .filter(accounts::username.eq(username))
        .select(accounts::id)
        .first::<Uuid>(conn)
        .await
        .optional()
}

/// Ends every session of an account (what it may do changed).
async fn end_sessions(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::account_id.eq(id)))
        .execute(conn)
        .await
}

/// Changes an account's role, unit, department and whether it may sign in, and ends its
/// sessions (what it could do changed). `false` when there is no such account.
pub async fn update_account(
    conn: &mut AsyncPgConnection,
    username: &str,
    role: Role,
    unit: &str,
    department: Option<&str>,
    enabled: bool,
) -> QueryResult<bool> {
    let Some(id) = account_id(conn, username).await? else {
        return Ok(false);
    };
    diesel::update(accounts::table.find(id))
        .set((
            accounts::role.eq(role.as_str()),
            accounts::unit.eq(unit),
            accounts::department.eq(department),
            accounts::enabled.eq(enabled),
            accounts::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    end_sessions(conn, id).await?;
    Ok(true)
}

/// Sets a new password and ends the account's sessions. `false` when there is no such account.
pub async fn reset_password(
    conn: &mut AsyncPgConnection,
    username: &str,
    password: &str,
) -> anyhow::Result<bool> {
    let hash = hash_password(password)?;
    let Some(id) = account_id(conn, username).await? else {
        return Ok(false);
    };
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    end_sessions(conn, id).await?;
    Ok(true)
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
