//! Accounts: roles and what a user may type for name, sign-in name and password.

use serde::Serialize;

use crate::error::{FieldErrors, Invalid};
use crate::phone::parse_phone;
use crate::region::{RegionCode, RegionTree};
use crate::umkm::clean_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything within scope; manages users.
    Admin,
    /// Registers, edits and verifies UMKM within scope; plans local programmes.
    Operator,
    /// Dekranasda: products, exhibitions, gallery.
    Curator,
    /// A government unit's purchases.
    Procurement,
    /// A partner's own requests.
    Partner,
    /// A UMKM owner: only their own businesses.
    Owner,
    /// Read-only dashboards.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::Admin,
        Self::Operator,
        Self::Curator,
        Self::Procurement,
        Self::Partner,
        Self::Owner,
        Self::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Curator => "curator",
            Self::Procurement => "procurement",
            Self::Partner => "partner",
            Self::Owner => "owner",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(Invalid("role_unknown"))
    }
}

/// A sign-in name: an e-mail address (lower-cased) or an Indonesian phone number (as +62…).
pub fn parse_login(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Invalid("required"));
    }
    if s.contains('@') {
        let lower = s.to_lowercase();
        let (local, domain) = lower.split_once('@').ok_or(Invalid("login_invalid"))?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && lower.len() <= 254
            && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
        return if ok {
            Ok(lower)
        } else {
            Err(Invalid("login_invalid"))
        };
    }
    parse_phone(s)
        .map(|p| p.as_str().to_string())
        .map_err(|_| Invalid("login_invalid"))
}

pub const MIN_PASSWORD: usize = 10;

/// At least 10 characters; longer passphrases are welcome (up to 200).
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Err(Invalid("password_too_short"))
    } else if n > 200 {
        Err(Invalid("text_too_long"))
    } else {
        Ok(())
    }
}

/// A validated new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub login: String,
    pub role: Role,
    pub scope: RegionCode,
}

/// Checks a new account; `within` is the creator's own scope (nobody grants more than they have).
pub fn validate_account(
    name: &str,
    login: &str,
    role: &str,
    scope: &str,
    password: &str,
    regions: &RegionTree,
    within: Option<&RegionCode>,
) -> Result<NewAccount, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = match e.check("name", clean_text(name, 200)) {
        Some(Some(n)) => Some(n),
        Some(None) => {
            e.push("name", "required");
            None
        }
        None => None,
    };
    let login = e.check("login", parse_login(login));
    let role = e.check("role", Role::parse(role));
    let scope = e.check(
        "scope",
        RegionCode::parse(scope).and_then(|c| {
            if regions.get(&c).is_none() {
                Err(Invalid("region_unknown"))
            } else if within.is_some_and(|w| !c.is_within(w)) {
                Err(Invalid("region_out_of_scope"))
            } else {
                Ok(c)
            }
        }),
    );
    e.check("password", check_password(password));
    match (name, login, role, scope) {
        (Some(name), Some(login), Some(role), Some(scope)) if e.is_empty() => Ok(NewAccount {
            name,
            login,
            role,
            scope,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_normalise() {
        assert_eq!(
            parse_login(" Siti@Dinas.go.id ").unwrap(),
            "siti@dinas.go.id"
        );
        assert_eq!(parse_login("0812-3456-7890").unwrap(), "+6281234567890");
        assert_eq!(parse_login("siti@"), Err(Invalid("login_invalid")));
        assert_eq!(parse_login("bukan nomor"), Err(Invalid("login_invalid")));
    }

    #[test]
    fn accounts_cannot_exceed_the_creators_scope() {
        let tree = RegionTree::embedded();
        let kec = RegionCode::parse("36.74.03").unwrap();
        let ok = validate_account(
            "Operator Pondok Aren",
            "op@x.id",
            "operator",
            "36.74.03.1005",
            "panjang-sekali",
            tree,
            Some(&kec),
        );
        assert!(ok.is_ok());
        let err = validate_account("X", "op@x.id", "raja", "36.74", "pendek", tree, Some(&kec))
            .unwrap_err();
        let codes: Vec<_> = err.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert!(codes.contains(&("role", "role_unknown")));
        assert!(codes.contains(&("scope", "region_out_of_scope")));
        assert!(codes.contains(&("password", "password_too_short")));
    }
}

/// What a role may do. Checked at the HTTP edge; the region scope is enforced in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadRegistry,
    WriteRegistry,
    VerifyRegistry,
    ManageUsers,
    /// See a NIK or phone number in full (the reveal is audited).
    RevealPersonalData,
    /// Browse and export the audit trail.
    ReadAudit,
    /// Import spreadsheets into the registry (many records at once, within the scope).
    ImportRegistry,
    /// Add and edit products (owners: of their own businesses).
    ManageProducts,
    /// List products in the e-katalog lokal, after the readiness check.
    CurateEkatalog,
    /// Buy from the e-katalog lokal (government units' procurement officers).
    BuyFromEkatalog,
    /// Edit the public catalogue's settings (search synonyms).
    ManageCatalog,
    /// See the programme board (every level's activities in scope).
    ReadProgrammes,
    /// Plan, move and cancel activities in scope.
    PlanProgrammes,
    /// Manage the programme topics and the harmonisation settings (window, year end).
    ManageProgrammes,
    /// See the dashboards (aggregates of the registry in scope).
    ReadDashboards,
    /// Set the targets dashboards measure progress against.
    ManageTargets,
    /// See government units' spending and their share to small suppliers (Perpres 12/2021
    /// Pasal 65).
    ReadProcurement,
    /// Keep the government units and their budgets, and record their purchases (by hand or
    /// from a spreadsheet).
    RecordProcurement,
    /// Run flagship product selection rounds (produk unggulan): set up, invite, publish.
    ManageFlagship,
    /// See partners and their requests (a `partner` account: its own).
    ReadPartnerships,
    /// Keep partners, match their requests, curate exhibitions.
    ManagePartnerships,
    /// Run the gallery's consignment: intake, counter, returns, counts, statements.
    RunGallery,
    /// Use the field app: keep the area's records on a phone, register and edit offline, sync
    /// later.
    WorkInField,
    /// Send messages to owners through the outbox (invitations, broadcasts), keep their
    /// contact consent, and send the queued ones from one's own phone.
    SendMessages,
    /// Edit the texts messages are sent with.
    ManageMessages,
}

impl Role {
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        match p {
            // Owners read and write only their own businesses (their scope says so).
            ReadRegistry => matches!(
                self,
                Role::Admin | Role::Operator | Role::Curator | Role::Viewer | Role::Owner
            ),
            WriteRegistry => matches!(self, Role::Admin | Role::Operator | Role::Owner),
            VerifyRegistry | ImportRegistry | WorkInField => {
                matches!(self, Role::Admin | Role::Operator)
            }
            ManageUsers | ReadAudit => self == Role::Admin,
            RevealPersonalData => matches!(self, Role::Admin | Role::Operator),
            ManageProducts => matches!(
                self,
                Role::Admin | Role::Operator | Role::Curator | Role::Owner
            ),
            CurateEkatalog => matches!(self, Role::Admin | Role::Curator),
            BuyFromEkatalog => self == Role::Procurement,
            ManageCatalog => matches!(self, Role::Admin | Role::Curator),
            ReadProgrammes => matches!(
                self,
                Role::Admin | Role::Operator | Role::Curator | Role::Viewer
            ),
            PlanProgrammes => matches!(self, Role::Admin | Role::Operator | Role::Curator),
            ManageProgrammes => self == Role::Admin,
            ReadDashboards => matches!(
                self,
                Role::Admin | Role::Operator | Role::Curator | Role::Viewer
            ),
            ManageTargets => self == Role::Admin,
            ReadProcurement => matches!(
                self,
                Role::Admin | Role::Operator | Role::Curator | Role::Viewer | Role::Procurement
            ),
            RecordProcurement => matches!(self, Role::Admin | Role::Procurement),
            ManageFlagship => matches!(self, Role::Admin | Role::Curator),
            ReadPartnerships => matches!(self, Role::Admin | Role::Curator | Role::Partner),
            ManagePartnerships | RunGallery => matches!(self, Role::Admin | Role::Curator),
            SendMessages => matches!(self, Role::Admin | Role::Operator | Role::Curator),
            ManageMessages => self == Role::Admin,
        }
    }
}
