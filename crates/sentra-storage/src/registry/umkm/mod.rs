//! The UMKM registry tables. Every function takes the caller's scope; a record outside it is
//! "not found" and never counted.

mod changes;
mod read;
mod write;

use chrono::NaiveDate;
use serde::Serialize;

use sentra_domain::region::RegionCode;
use sentra_domain::size::{SizeBasis, SizeClass};
use sentra_domain::umkm::{LegalDocument, LegalKind, Link, UmkmData, UmkmStatus};

/// Filters of the registry list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct UmkmFilter {
    pub region: Option<RegionCode>,
    pub sector: Option<String>,
    pub size: Option<SizeClass>,
    pub status: Option<UmkmStatus>,
    pub legality: Option<LegalityFilter>,
    /// Naik kelas: reported, reached a milestone or moved down in a year.
    pub growth: Option<crate::GrowthFilter>,
    /// Text in the business name or brand.
    pub text: Option<String>,
    /// Only these records (a selection ticked in the list); none of them when empty.
    pub ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalityFilter {
    Has(LegalKind),
    Lacks(LegalKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UmkmSort {
    #[default]
    Name,
    Created,
    Updated,
    Modal,
    Sales,
}

impl UmkmSort {
    pub const ALL: [UmkmSort; 5] = [
        Self::Name,
        Self::Created,
        Self::Updated,
        Self::Modal,
        Self::Sales,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Modal => "modal",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn column(self) -> &'static str {
        match self {
            Self::Name => "u.name",
            Self::Created => "u.created_at",
            Self::Updated => "u.updated_at",
            Self::Modal => "u.modal_rupiah",
            Self::Sales => "u.annual_sales_rupiah",
        }
    }

    /// Whether the column may be empty (NULL).
    fn nullable(self) -> bool {
        matches!(self, Self::Modal | Self::Sales)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub(crate) fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per).unwrap_or(u32::MAX)
    }
}

/// One row of the registry list.
#[derive(Debug, Clone, Serialize)]
pub struct UmkmSummary {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub village_code: String,
    pub sector: String,
    pub size_class: Option<SizeClass>,
    pub status: UmkmStatus,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    pub documents: Vec<LegalKind>,
    pub updated_at: String,
}

/// A stored registry record.
#[derive(Debug, Clone, Serialize)]
pub struct UmkmRecord {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub owner_nik: String,
    pub owner_sex: String,
    pub owner_birth_date: Option<NaiveDate>,
    pub owner_phone: Option<String>,
    pub address: Option<String>,
    pub village_code: String,
    pub district_code: String,
    pub regency_code: String,
    pub province_code: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub sector: String,
    pub kbli_code: Option<String>,
    pub kbli_version: Option<String>,
    pub year_started: Option<i64>,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    pub employees_male: Option<i64>,
    pub employees_female: Option<i64>,
    pub size_class: Option<SizeClass>,
    pub size_basis: Option<SizeBasis>,
    pub documents: Vec<LegalDocument>,
    pub links: Vec<Link>,
    pub status: UmkmStatus,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// Merged into this record (a duplicate); the record stays for its history.
    pub merged_into: Option<String>,
}

/// An owner's proposed change to a verified record.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRequest {
    pub id: String,
    pub requested_by: String,
    pub base_version: i64,
    /// The submitted form, as JSON pairs, re-validated when approved.
    pub form: String,
    /// `{"field": [before, after]}`.
    pub diff: String,
    pub created_at: String,
}

/// A new record to insert: its data, status and who entered it.
pub struct NewUmkm<'a> {
    pub data: &'a UmkmData,
    pub status: UmkmStatus,
    pub verified_by: Option<&'a str>,
    /// The owner's account, when the owner registers the business themselves.
    pub owner: Option<&'a str>,
    /// When it was registered and verified, for records entered now but registered before
    /// (the demo's past years); `None`: now.
    pub registered: Option<Registered>,
}

/// Past moments (UTC) at which a record was registered and, if verified, verified; a moment
/// still to come is taken as now.
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    pub at: chrono::NaiveDateTime,
    pub verified_at: chrono::NaiveDateTime,
}
