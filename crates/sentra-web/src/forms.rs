//! Turning a submitted form or JSON body into the domain's `UmkmInput` (all text), so that one
//! validation in the domain serves both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::umkm::{LegalDocumentInput, LegalKind, LinkKind, UmkmInput};

/// The `key=value` pairs of a query string (none when it is absent or unreadable).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default()
}

pub fn form_value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The create/edit form: plain field names, `documents.<kind>.<part>` and `links.<kind>`.
pub fn input_from_form(pairs: &[(String, String)]) -> UmkmInput {
    let v = |k: &str| form_value(pairs, k).to_string();
    UmkmInput {
        name: v("name"),
        brand: v("brand"),
        owner_name: v("owner_name"),
        nik: v("nik"),
        phone: v("phone"),
        address: v("address"),
        village_code: v("village_code"),
        latitude: v("latitude"),
        longitude: v("longitude"),
        sector: v("sector"),
        kbli_code: v("kbli_code"),
        kbli_version: v("kbli_version"),
        year_started: v("year_started"),
        modal: v("modal"),
        annual_sales: v("annual_sales"),
        employees_male: v("employees_male"),
        employees_female: v("employees_female"),
        documents: LegalKind::ALL
            .iter()
            .map(|k| {
                let part = |p: &str| v(&format!("documents.{}.{p}", k.as_str()));
                LegalDocumentInput {
                    kind: k.as_str().to_string(),
                    number: part("number"),
                    issued_on: part("issued_on"),
                    expires_on: part("expires_on"),
                }
            })
            .collect(),
        links: LinkKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), v(&format!("links.{}", k.as_str()))))
            .collect(),
    }
}

/// Rupiah as an integer, or as people type it (`"1,5 juta"`, `"Rp1.500.000"`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Amount {
    Rupiah(i64),
    Text(String),
}

impl Amount {
    fn text(&self) -> String {
        match self {
            Amount::Rupiah(n) => n.to_string(),
            Amount::Text(s) => s.clone(),
        }
    }
}

/// A legality document in the API.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// `nib`, `npwp`, `nitku`, `pirt`, `bpom`, `halal`, `sni` or `hki`.
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub issued_on: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// The body of `POST /api/v1/umkm` and `PUT /api/v1/umkm/{id}`. Missing required fields are
/// reported by name like any other invalid field.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UmkmBody {
    pub name: Option<String>,
    pub brand: Option<String>,
    pub owner_name: Option<String>,
    /// 16-digit NIK of the owner.
    pub nik: Option<String>,
    /// Indonesian phone/WhatsApp number in any common spelling; stored as +62….
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Desa/kelurahan code, e.g. `36.74.03.1005`.
    pub village_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A sector code from `GET /api/v1/sectors`.
    pub sector: Option<String>,
    pub kbli_code: Option<String>,
    /// `2020` (default) or `2025`.
    pub kbli_version: Option<String>,
    pub year_started: Option<i32>,
    /// Modal usaha (excluding land and buildings).
    pub modal: Option<Amount>,
    pub annual_sales: Option<Amount>,
    pub employees_male: Option<u32>,
    pub employees_female: Option<u32>,
    pub documents: Vec<DocumentBody>,
    /// Marketplace and social links by kind: `whatsapp`, `website`, `instagram`, `facebook`,
    /// `tiktok`, `tokopedia`, `shopee`, `lazada`, `gofood`, `grabfood`.
    pub links: BTreeMap<String, String>,
    /// For updates: the version the client read (optimistic concurrency; a stale one gets 409).
    pub version: Option<i64>,
}

impl UmkmBody {
    pub fn to_input(&self) -> UmkmInput {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        UmkmInput {
            name: s(&self.name),
            brand: s(&self.brand),
            owner_name: s(&self.owner_name),
            nik: s(&self.nik),
            phone: s(&self.phone),
            address: s(&self.address),
            village_code: s(&self.village_code),
            latitude: n(self.latitude),
            longitude: n(self.longitude),
            sector: s(&self.sector),
            kbli_code: s(&self.kbli_code),
            kbli_version: s(&self.kbli_version),
            year_started: self.year_started.map(|y| y.to_string()).unwrap_or_default(),
            modal: self.modal.as_ref().map(Amount::text).unwrap_or_default(),
            annual_sales: self
                .annual_sales
                .as_ref()
                .map(Amount::text)
                .unwrap_or_default(),
            employees_male: self
                .employees_male
                .map(|x| x.to_string())
                .unwrap_or_default(),
            employees_female: self
                .employees_female
                .map(|x| x.to_string())
                .unwrap_or_default(),
            documents: self
                .documents
                .iter()
                .map(|d| LegalDocumentInput {
                    kind: d.kind.clone(),
                    number: d.number.clone(),
                    issued_on: s(&d.issued_on),
                    expires_on: s(&d.expires_on),
                })
                .collect(),
            links: self
                .links
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// Edits never receive the NIK or phone in full (pages leave them blank, the API masks them):
/// a blank or masked value keeps the stored one.
pub fn keep_personal_data(input: &mut UmkmInput, current: &sentra_storage::UmkmRecord) {
    if input.nik.trim().is_empty() || input.nik.contains('•') {
        input.nik = current.owner_nik.clone();
    }
    if input.phone.trim().is_empty() || input.phone.contains('•') {
        input.phone = current.owner_phone.clone().unwrap_or_default();
    }
}
